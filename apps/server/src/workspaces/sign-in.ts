import {
  checkLoginAllowed,
  recordLoginFailure,
  recordLoginSuccess,
  spendPasswordWork,
} from '../db/repos/login-throttle.ts';
import { findUserByEmail, type UserRow } from '../db/repos/users.ts';
import type { Db } from '../db/client.ts';
import { verifyPassword } from '../security/passwords.ts';

/** Who is asking, as the password rules need it. */
export interface Asker {
  /** The client the sign-in limits count (`core/client-key.ts` of the request's address, TRUST_PROXY applied). */
  client: string;
}

/**
 * Checks an email and password under the sign-in limits (decision 0003): the lockout per (account,
 * client) and the client's failure window first, then this client's budget of password work, then
 * argon2id. A failure counts towards the lockout; a success clears it. Returns the user, or undefined
 * when the email or password is wrong (the caller says which message).
 */
export async function checkPassword(
  db: Db,
  client: string,
  email: string,
  password: string,
): Promise<UserRow | undefined> {
  await checkLoginAllowed(db, client, email);
  await spendPasswordWork(db, client);
  const user = await findUserByEmail(db, email);
  const ok = await verifyPassword(user?.passwordHash, password);
  if (!ok || !user) {
    await recordLoginFailure(db, client, email);
    return undefined;
  }
  await recordLoginSuccess(db, client, email);
  return user;
}
