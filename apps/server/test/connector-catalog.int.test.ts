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
    const c = await createConnector(db, a, { name: 'Claims', type: 'microsoft365' }, actor);
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

  it("treats another workspace's connector as not found, and changes nothing there", async () => {
    const { db } = database;
    const theirs = await createConnector(db, b, { name: 'Theirs', type: 'microsoft365' }, actor);
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
