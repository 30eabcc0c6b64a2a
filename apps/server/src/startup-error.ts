/**
 * A reason the process cannot start that a person fixes outside Mailroom (a port, a folder's
 * permissions, a disk). Its message names the cause and the fix; `main.ts` prints it as one line.
 */
export class StartupError extends Error {}
