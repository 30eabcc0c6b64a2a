import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createConnector,
  deleteConnector,
  getConnector,
  listConnectors,
  renameConnector,
} from '../src/connectors/catalog.ts';
import { listAudit } from '../src/db/repos/audit.ts';
import { workspaces } from '../src/db/schema/index.ts';
import { openTestDatabase } from './helpers.ts';

// The connectors module on its own (no HTTP): workspace scoping and audits written with the change.
let database: Awaited<ReturnType<typeof openTestDatabase>>;
let a: string;
let b: string;
const actor = { id: '00000000-0000-4000-8000-000000000001', email: 'olivia@example.com' };

beforeAll(async () => {
  database = await openTestDatabase();
  const rows = await database.db
    .insert(workspaces)
    .values([{ name: 'A' }, { name: 'B' }])
    .returning({ id: workspaces.id });
  [a, b] = rows.map((r) => r.id) as [string, string];
});
afterAll(async () => {
  await database?.dispose();
});

describe('connectors/catalog', () => {
  it('creates, renames and deletes within a workspace, each change audited', async () => {
    const { db } = database;
    const { row: c } = await createConnector(db, a, { name: 'Claims', type: 'microsoft365' }, actor);
    expect((await listConnectors(db, a)).map((x) => x.name)).toEqual(['Claims']);
    expect((await renameConnector(db, a, c.id, 'Claims mail', actor)).name).toBe('Claims mail');
    const released: string[] = [];
    await deleteConnector(db, a, c.id, actor, async (id) => void released.push(id));
    expect(released).toEqual([c.id]);
    expect(await listConnectors(db, a)).toEqual([]);
    const { rows } = await listAudit(db, a, { before: undefined, limit: 10 });
    expect(rows.map((r) => r.action)).toEqual([
      'connector.deleted',
      'connector.renamed',
      'connector.created',
    ]);
    expect(rows[1]!.details).toEqual({ from: 'Claims', to: 'Claims mail' });
  });

  it('creates once per Idempotency-Key: a double click or a retry gets the first connector (issue 19 §3)', async () => {
    const { db } = database;
    const input = { name: 'Double click', type: 'microsoft365' } as const;
    // Two requests at once with the browser's key, then a retry of one of them.
    const [x, y] = await Promise.all([
      createConnector(db, a, input, actor, 'key-1'),
      createConnector(db, a, input, actor, 'key-1'),
    ]);
    const retry = await createConnector(db, a, input, actor, 'key-1');
    expect(new Set([x.row.id, y.row.id, retry.row.id]).size).toBe(1);
    expect([x.replayed, y.replayed].sort()).toEqual([false, true]);
    expect((await listConnectors(db, a)).filter((c) => c.name === 'Double click')).toHaveLength(1);
    const { rows } = await listAudit(db, a, { before: undefined, limit: 10 });
    expect(
      rows.filter((r) => r.action === 'connector.created' && r.details.name === 'Double click'),
    ).toHaveLength(1);
    // The same key for another request is refused in words; another workspace's same key is its own.
    await expect(createConnector(db, a, { ...input, name: 'Other' }, actor, 'key-1')).rejects.toMatchObject({
      code: 'idempotency_key_reused',
    });
    const elsewhere = await createConnector(db, b, input, actor, 'key-1');
    expect(elsewhere.replayed).toBe(false);
    // Without a key, two requests are two connectors, as before.
    await createConnector(db, a, { ...input, name: 'Twice' }, actor);
    await createConnector(db, a, { ...input, name: 'Twice' }, actor);
    expect((await listConnectors(db, a)).filter((c) => c.name === 'Twice')).toHaveLength(2);
  });

  it("treats another workspace's connector as not found, and changes nothing there", async () => {
    const { db } = database;
    const { row: theirs } = await createConnector(db, b, { name: 'Theirs', type: 'microsoft365' }, actor);
    await expect(getConnector(db, a, theirs.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(renameConnector(db, a, theirs.id, 'Mine now', actor)).rejects.toMatchObject({
      code: 'not_found',
    });
    const released: string[] = [];
    await expect(
      deleteConnector(db, a, theirs.id, actor, async (id) => void released.push(id)),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect(released).toEqual([]);
    expect((await getConnector(db, b, theirs.id)).name).toBe('Theirs');
  });
});
