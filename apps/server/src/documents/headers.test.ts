import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readHeaders } from './headers.ts';

describe('headers of a stored .eml', () => {
  it('unfolds, lower-cases names, keeps the first occurrence and never reads the body', async () => {
    const head =
      'From: a@example.be\r\nList-Unsubscribe: <mailto:u@x.example>,\r\n <https://x.example/u>\r\nReceived: first\r\nReceived: second\r\n\r\n';
    // An endless body: reading it would never finish.
    const eml = Readable.from(
      (async function* () {
        yield Buffer.from(head);
        for (;;) yield Buffer.from('body '.repeat(10_000));
      })(),
    );
    const h = await readHeaders(eml);
    expect(h.get('list-unsubscribe')).toBe('<mailto:u@x.example>, <https://x.example/u>');
    expect(h.get('received')).toBe('first');
  });
});
