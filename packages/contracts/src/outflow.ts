import { z } from 'zod';
import { said } from './said.ts';

/**
 * Outflow: what Mailroom writes back to Outlook when something happens to a document. Configured on
 * a folder's rule (for the documents it creates) and on an inbox (for the documents in it); each
 * action runs exactly once per document and event.
 */
export const outflowTriggers = [
  'document.created',
  'document.approved',
  'document.deleted',
  'document.bounced',
] as const;
export const OutflowTrigger = z.enum(outflowTriggers);
export type OutflowTrigger = z.infer<typeof OutflowTrigger>;

/** Outlook's category colours: `none` or `preset0` … `preset24` (red, orange, brown, yellow, green, …). */
export const categoryColors = ['none', ...Array.from({ length: 25 }, (_, i) => `preset${i}`)] as const;
export const CategoryColor = z.enum(categoryColors as unknown as [string, ...string[]]);

/** A server-given id (kept when the action is saved again): intents are keyed on it. */
const ActionId = z.uuid().optional();

export const CategoryAction = z.object({
  id: ActionId,
  on: OutflowTrigger,
  kind: z.literal('category'),
  /** Added to the email's categories; created in the mailbox's category list with `color` if missing. */
  category: z
    .string()
    .trim()
    .min(1, { message: said('Enter a category.', 'Saisissez une catégorie.') })
    .max(255),
  color: CategoryColor.default('preset7'),
});
export const ForwardAction = z.object({
  id: ActionId,
  on: OutflowTrigger,
  kind: z.literal('forward'),
  to: z.email({ message: said('Enter an email address.', 'Saisissez une adresse e-mail.') }).max(320),
  comment: z.string().max(4000).default(''),
});
export const MoveAction = z.object({
  id: ActionId,
  on: OutflowTrigger,
  kind: z.literal('move'),
  /** A folder of the email's mailbox (its Graph id; folder ids are stable). */
  destinationFolderId: z.string().min(1).max(500),
  destinationName: z.string().trim().min(1).max(255),
});
export const OutflowAction = z.discriminatedUnion('kind', [CategoryAction, ForwardAction, MoveAction]);
export type OutflowAction = z.infer<typeof OutflowAction>;
export type OutflowActionKind = OutflowAction['kind'];
export const OutflowActions = z.array(OutflowAction).max(10);

/** What a connection may do to one mailbox, as far as Microsoft's grants tell (null: cannot tell). */
export const OutflowPermissions = z.object({
  /** False when Mailroom cannot read the connection's grants; actions then fail with the cause when they run. */
  known: z.boolean(),
  /** Per action kind: the permissions Microsoft has not granted (empty: it can). */
  missing: z.object({
    category: z.array(z.string()),
    forward: z.array(z.string()),
    move: z.array(z.string()),
  }),
  /** A category missing from the mailbox's list can be created only with this (else it is set without a colour). */
  canCreateCategories: z.boolean(),
});
export type OutflowPermissions = z.infer<typeof OutflowPermissions>;

/** One action for one document event: its current state (the history keeps every attempt's outcome). */
export const OutflowRun = z.object({
  id: z.uuid(),
  /** `rule` (the folder's rule) or `inbox`. */
  source: z.enum(['rule', 'inbox']),
  on: OutflowTrigger,
  action: OutflowAction,
  /** pending (queued or being retried) → done, or failed for good (`lastError` says why). */
  state: z.enum(['pending', 'done', 'failed']),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: z.iso.datetime(),
  doneAt: z.iso.datetime().nullable(),
});
export type OutflowRun = z.infer<typeof OutflowRun>;
