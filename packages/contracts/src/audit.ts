import { z } from 'zod';
import { IsoTime } from './time.ts';

export const AuditEntry = z.object({
  id: z.uuid(),
  at: z.iso.datetime(),
  /** A person (userId), an API key (apiKeyId; its name and prefix in `email`), or the system (all null). */
  actor: z.object({
    userId: z.uuid().nullable(),
    email: z.string().nullable(),
    apiKeyId: z.uuid().nullable(),
  }),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  /**
   * What the line is about, named as it is now (the list only, not the export): `name` (a connector's
   * or inbox's name, a mailbox's address, a folder as `address/folder`, a person's email; for a
   * document, its inbox: never its subject), the connector whose page shows a mailbox or folder, the
   * inbox a document is in. Null names: nothing to name (erased, or never named).
   */
  object: z
    .object({
      name: z.string().nullable(),
      connectorId: z.uuid().nullable(),
      inboxName: z.string().nullable(),
    })
    .optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;
export const AuditList = z.object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() });
export type AuditList = z.infer<typeof AuditList>;

/** Filters of the audit log and its export (all optional, combined with AND). */
export const AuditFilter = z.object({
  /** Part of the actor's email or API key name, any case. */
  actor: z.string().trim().min(1).max(200).optional(),
  /** An action, or a family with a trailing `.*` (e.g. `connector.*`). */
  action: z
    .string()
    .trim()
    .regex(
      /^[a-z_]+(\.[a-z_]+|\.\*)?$/,
      'An action such as connector.connected, or a family such as connector.*',
    )
    .optional(),
  targetType: z.string().trim().max(50).optional(),
  targetId: z.string().trim().max(100).optional(),
  from: IsoTime.optional(),
  to: IsoTime.optional(),
});
export type AuditFilter = z.infer<typeof AuditFilter>;
