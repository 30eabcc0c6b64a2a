import { eq, sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../db/client.ts';
import { vaultKeyCanaries } from '../db/schema/index.ts';
import type { KeySource } from './vault-keys.ts';
import { VaultError, type Vault } from './vault.ts';

const CANARY_TEXT = 'mailroom vault canary';
const canaryContext = (keyId: string) => `vault-canary:${keyId}`;

/**
 * Checks, before anything uses them, that the configured keys open what is stored (decision 0004):
 * - each configured key (current or previous) opens its key id's canary, when there is one;
 * - no stored secret was made with a key id that is not configured at all (a key given without an
 *   id gets one derived from its bytes, so a wrong key of that kind has another id, not a canary
 *   that fails);
 * - the current key gets its canary the first time it is seen (a new installation, a rotation).
 * Throws a VaultError that names the key id and what to do; main prints it as one line.
 */
export async function checkVaultKeys(db: Db, vault: Vault, source: KeySource): Promise<void> {
  const stored = new Map((await db.select().from(vaultKeyCanaries)).map((r) => [r.keyId, r.canary]));
  for (const keyId of vault.keyIds) {
    const canary = stored.get(keyId);
    if (canary !== undefined) expectOpens(vault, keyId, canary, source);
  }

  for (const { keyId, count } of await secretsByKeyId(db)) {
    if (vault.keyIds.includes(keyId)) continue;
    const restore =
      source.kind === 'file'
        ? `restore ${source.file} from your backup (or set MAILROOM_ENCRYPTION_KEY to the key with id "${keyId}")`
        : `set MAILROOM_ENCRYPTION_KEY back to the key with id "${keyId}"`;
    const secrets = count === 1 ? '1 stored secret was' : `${count} stored secrets were`;
    throw new VaultError(
      `${secrets} encrypted with the key id "${keyId}", which is not configured (the current key's id is "${vault.activeKeyId}"): ${restore}, or keep that key in MAILROOM_ENCRYPTION_KEYS_PREVIOUS while rotating to a new one`,
    );
  }

  if (!stored.has(vault.activeKeyId)) {
    await db
      .insert(vaultKeyCanaries)
      .values({
        keyId: vault.activeKeyId,
        canary: vault.encrypt(CANARY_TEXT, canaryContext(vault.activeKeyId)),
      })
      .onConflictDoNothing();
    // Another process may have written it meanwhile, with a key of its own under the same id.
    const [row] = await db
      .select()
      .from(vaultKeyCanaries)
      .where(eq(vaultKeyCanaries.keyId, vault.activeKeyId));
    expectOpens(vault, vault.activeKeyId, row!.canary, source);
  }
}

function expectOpens(vault: Vault, keyId: string, canary: string, source: KeySource): void {
  let opened: string | undefined;
  try {
    opened = vault.decrypt(canary, canaryContext(keyId));
  } catch {
    opened = undefined;
  }
  if (opened === CANARY_TEXT) return;
  const current = keyId === vault.activeKeyId;
  const where = !current
    ? 'MAILROOM_ENCRYPTION_KEYS_PREVIOUS'
    : source.kind === 'env'
      ? 'MAILROOM_ENCRYPTION_KEY'
      : source.file;
  const fix = !current
    ? `put the original key with id "${keyId}" in MAILROOM_ENCRYPTION_KEYS_PREVIOUS`
    : source.kind === 'env'
      ? `set MAILROOM_ENCRYPTION_KEY back to the original key with id "${keyId}" (a new key needs a new id, with the old one in MAILROOM_ENCRYPTION_KEYS_PREVIOUS)`
      : `restore ${source.file} from your backup`;
  throw new VaultError(
    `the key with id "${keyId}" in ${where} is not the one this installation's secrets were encrypted with: ${fix}`,
  );
}

/**
 * How many stored secrets each key id encrypted (the key id is the ciphertext's second part): the
 * connectors' credentials, which last. (A pending sign-in's PKCE verifier expires within minutes.)
 */
async function secretsByKeyId(db: Db): Promise<{ keyId: string; count: number }[]> {
  const res = await db.execute(sql`
    select split_part(secret, '.', 2) as key_id, count(*)::int as count
    from (
      select token_cache as secret from connector_credentials
      union all select client_secret from connector_credentials
      union all select certificate from connector_credentials
    ) stored
    where secret is not null
    group by 1`);
  return rowsOf<{ key_id: string; count: number }>(res).map((r) => ({
    keyId: r.key_id,
    count: Number(r.count),
  }));
}
