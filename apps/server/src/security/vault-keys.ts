import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import { createVault, generateVaultKeyText, parseVaultKey, type Vault } from './vault.ts';

const KEY_FILE = 'encryption.key';

/** Where the active key came from, in the words a person fixes it with: the variable, or the generated file. */
export type KeySource = { kind: 'env' } | { kind: 'file'; file: string };

/**
 * The vault's keys come from MAILROOM_ENCRYPTION_KEY (+ _PREVIOUS for rotation). In embedded mode
 * with no key set, one is generated on first start into the data directory, readable by the owner only.
 */
export async function openVault(
  config: Config,
): Promise<{ vault: Vault; source: KeySource; generatedKeyFile?: string }> {
  const previous = config.previousEncryptionKeys.map(parseVaultKey);
  if (config.encryptionKey)
    return { vault: createVault(parseVaultKey(config.encryptionKey), previous), source: { kind: 'env' } };

  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(config.dataDir, KEY_FILE);
  let text: string;
  let generated = false;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    text = generateVaultKeyText();
    // 'wx' fails if another process created it meanwhile; then we read theirs.
    try {
      await writeFile(file, text + '\n', { mode: 0o600, flag: 'wx' });
      generated = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      text = await readFile(file, 'utf8');
    }
  }
  await chmod(file, 0o600);
  return {
    vault: createVault(parseVaultKey(text), previous),
    source: { kind: 'file', file },
    ...(generated ? { generatedKeyFile: file } : {}),
  };
}
