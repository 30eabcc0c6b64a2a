import { access, chmod, constants, mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { StartupError } from './startup-error.ts';

/** The data directory and the folders Mailroom makes in it are for its own account only. */
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Makes the data directory, or takes one made beforehand, before anything else starts: it must be
 * writable (the embedded database, the generated key and the blobs live there, with PostgreSQL too),
 * and it is made private, since an operator's `mkdir` gives 0755 and every local account could then
 * read the stored emails. Returns the mode it kept when it could not change it (another account owns
 * the folder), so that the caller can say so.
 */
export async function prepareDataDir(dir: string): Promise<{ otherAccountsMode?: number }> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE }).catch((err: unknown) => {
    throw notWritable('the data directory', dir, err);
  });
  await assertWritable('the data directory', dir);
  const mode = (await stat(dir)).mode & 0o777;
  if ((mode & 0o077) === 0) return {};
  try {
    await chmod(dir, PRIVATE_DIR_MODE);
    return {};
  } catch {
    return { otherAccountsMode: mode };
  }
}

/** Creates and removes a file in `dir`: the only check that holds for root, ACLs and read-only mounts alike. */
export async function assertWritable(what: string, dir: string, elsewhere?: string): Promise<void> {
  const probe = path.join(dir, `.mailroom-write-test-${process.pid}`);
  try {
    const handle = await open(probe, 'w', 0o600);
    await handle.close();
    await unlink(probe);
  } catch (err) {
    throw notWritable(what, dir, err, elsewhere);
  }
}

/** The first file or folder under `dir` this process may not write, if any. */
export async function firstUnwritable(dir: string): Promise<{ file: string; code: string } | undefined> {
  const names = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  for (const file of [dir, ...names.map((n) => path.join(dir, n))]) {
    try {
      await access(file, constants.W_OK);
    } catch (err) {
      return { file, code: (err as NodeJS.ErrnoException).code ?? 'unknown error' };
    }
  }
  return undefined;
}

/**
 * A file-system error on one of Mailroom's folders, in one line with what to do. `elsewhere` is the
 * other way out, when there is one (another data directory; not for a database that holds data).
 */
export function notWritable(
  what: string,
  dir: string,
  err: unknown,
  elsewhere = 'or set MAILROOM_DATA_DIR to a folder it can write',
): StartupError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error';
  const or = elsewhere ? `, ${elsewhere}` : '';
  switch (code) {
    case 'EROFS':
      return new StartupError(
        `${what} ${dir} is on a read-only file system (EROFS): mount it read-write${or}`,
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return new StartupError(`the disk holding ${what} ${dir} is full (${code}): free some space${or}`);
    case 'ENOTDIR':
    case 'EEXIST':
      return new StartupError(`${what} ${dir} is not a folder (${code}): move what is there away${or}`);
    default:
      return new StartupError(
        `${what} ${dir} is not writable (${code}): give the account running Mailroom (uid ${process.getuid?.() ?? '?'}) write access to it${or}`,
      );
  }
}
