import { z } from 'zod';

export const WorkspaceParams = z.object({ workspaceId: z.string() });
export const WorkspaceItemParams = z.object({ workspaceId: z.string(), id: z.string() });

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * A path id as a UUID the database can compare. A malformed id becomes the nil UUID, which matches
 * nothing: the caller gets the same 404 as for a real id it may not see, with no hint at the format.
 */
export function pathId(s: string | undefined): string {
  return s !== undefined && uuidRe.test(s) ? s : NIL_UUID;
}
