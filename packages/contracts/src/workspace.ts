import { z } from 'zod';
import { said } from './said.ts';
import { Email, Password, PersonName, Role, WorkspaceName } from './auth.ts';

/** Documents older than this many days (by when the email was received) are erased with their files. */
export const RETENTION_DAYS_MIN = 1;
export const RETENTION_DAYS_MAX = 3650;
export const RETENTION_DAYS_DEFAULT = 29;
export const RetentionDays = z
  .number()
  .int({ message: said('Enter a whole number of days.', 'Saisissez un nombre entier de jours.') })
  .min(RETENTION_DAYS_MIN, {
    message: said(
      `Keep documents at least ${RETENTION_DAYS_MIN} day.`,
      `Gardez les documents au moins ${RETENTION_DAYS_MIN} jour.`,
    ),
  })
  .max(RETENTION_DAYS_MAX, {
    message: said(
      `Keep documents at most ${RETENTION_DAYS_MAX} days.`,
      `Gardez les documents au plus ${RETENTION_DAYS_MAX} jours.`,
    ),
  });

export const Workspace = z.object({
  id: z.uuid(),
  name: z.string(),
  createdAt: z.iso.datetime(),
  retentionDays: z.number().int(),
});
export type Workspace = z.infer<typeof Workspace>;

/** Admins change the name, the retention, or both; at least one. */
export const UpdateWorkspaceRequest = z
  .object({ name: WorkspaceName.optional(), retentionDays: RetentionDays.optional() })
  .refine((b) => b.name !== undefined || b.retentionDays !== undefined, {
    message: said('Send a name or a retention.', 'Envoyez un nom ou une durée de conservation.'),
  });
export type UpdateWorkspaceRequest = z.infer<typeof UpdateWorkspaceRequest>;

export const Member = z.object({
  userId: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: Role,
  joinedAt: z.iso.datetime(),
});
export type Member = z.infer<typeof Member>;
export const MemberList = z.object({ items: z.array(Member) });
export type MemberList = z.infer<typeof MemberList>;

export const UpdateMemberRequest = z.object({ role: Role });
export type UpdateMemberRequest = z.infer<typeof UpdateMemberRequest>;

/** Invitations: the admin gets a link to hand over; the token is only shown once, at creation. */
export const InvitableRole = z.enum(['admin', 'member']);
export const CreateInvitationRequest = z.object({ email: Email, role: InvitableRole });
export type CreateInvitationRequest = z.infer<typeof CreateInvitationRequest>;

export const Invitation = z.object({
  id: z.uuid(),
  email: z.string(),
  role: Role,
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  /** Present only in the response that created the invitation. */
  url: z.string().optional(),
});
export type Invitation = z.infer<typeof Invitation>;
export const InvitationList = z.object({ items: z.array(Invitation) });
export type InvitationList = z.infer<typeof InvitationList>;

/** What an invited person sees before accepting (no secret data). */
export const InvitationPreview = z.object({
  workspaceName: z.string(),
  email: z.string(),
  role: Role,
  accountExists: z.boolean(),
});
export type InvitationPreview = z.infer<typeof InvitationPreview>;

/** New people give a name and a password; people who already have an account give their password. */
export const AcceptInvitationRequest = z.object({
  name: PersonName.optional(),
  password: Password.or(z.string().min(1).max(256)),
});
export type AcceptInvitationRequest = z.infer<typeof AcceptInvitationRequest>;

export { Email, Password };
