import { describe, expect, it } from 'vitest';
import { guidBytes, ids, parseId } from './ids.ts';

const key = guidBytes('a3136ae3-d9db-430e-8e05-091153a14c36');

describe('Exchange-style ids', () => {
  it('look like Exchange ids, are URL-safe base64 ending in =, and round-trip', () => {
    const rest = ids.rest(key, 42, 2, 0);
    const imm = ids.immutable(key, 42);
    expect(rest).toMatch(/^AAMkA[A-Za-z0-9_-]+=$/);
    expect(imm).toMatch(/^AAkAL[A-Za-z0-9_-]+=$/);
    expect(parseId(rest)).toMatchObject({ kind: 'rest', no: 42, folderNo: 2, moveGen: 0 });
    expect(parseId(imm)).toMatchObject({ kind: 'immutable', no: 42 });
    expect(parseId(ids.folder(key, 7))).toMatchObject({ kind: 'folder', no: 7 });
    expect(parseId(ids.attachment(key, 42, 3))).toMatchObject({
      kind: 'attachment',
      no: 42,
      attachmentNo: 3,
    });
  });

  it('a move changes the REST id, never the immutable one', () => {
    expect(ids.rest(key, 1, 2, 0)).not.toBe(ids.rest(key, 1, 8, 1));
    expect(ids.immutable(key, 1)).toBe(ids.immutable(key, 1));
  });

  it('rejects damaged ids (truncated, altered, unescaped, foreign)', () => {
    const rest = ids.rest(key, 42, 2, 0);
    expect(parseId(rest.slice(0, -4))).toBeUndefined();
    expect(parseId(rest.slice(0, 10) + (rest[10] === 'A' ? 'B' : 'A') + rest.slice(11))).toBeUndefined();
    expect(parseId(`${rest} `)).toBeUndefined();
    expect(parseId('inbox')).toBeUndefined();
    expect(parseId('')).toBeUndefined();
  });
});
