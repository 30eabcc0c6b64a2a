import { z } from 'zod';
import { said } from './said.ts';

export const roles = ['owner', 'admin', 'member'] as const;
export const Role = z.enum(roles);
export type Role = z.infer<typeof Role>;

export const locales = ['en', 'fr'] as const;
export const Locale = z.enum(locales);
export type Locale = z.infer<typeof Locale>;

export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: said('Enter a valid email address.', 'Saisissez une adresse e-mail valide.') }));

/** At least 12 characters; long passphrases welcome (argon2id takes any length, we cap to stop abuse). */
export const Password = z
  .string()
  .min(12, { message: said('Use at least 12 characters.', 'Utilisez au moins 12 caractères.') })
  .max(256, { message: said('Use at most 256 characters.', 'Utilisez au plus 256 caractères.') });

export const PersonName = z
  .string()
  .trim()
  .min(1, { message: said('Enter a name.', 'Saisissez un nom.') })
  .max(100);
export const WorkspaceName = z
  .string()
  .trim()
  .min(1, { message: said('Enter a workspace name.', 'Saisissez le nom de l’espace de travail.') })
  .max(80);

export const SetupStatus = z.object({ setupRequired: z.boolean() });
export type SetupStatus = z.infer<typeof SetupStatus>;

export const SetupRequest = z.object({
  name: PersonName,
  email: Email,
  password: Password,
  workspaceName: WorkspaceName,
  locale: Locale.optional(),
});
export type SetupRequest = z.infer<typeof SetupRequest>;

export const LoginRequest = z.object({
  email: Email,
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const WorkspaceSummary = z.object({ id: z.uuid(), name: z.string(), role: Role });
export type WorkspaceSummary = z.infer<typeof WorkspaceSummary>;

export const User = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  locale: Locale,
});
export type User = z.infer<typeof User>;

/**
 * What the SPA asks first. `user` is null when nobody is signed in; `csrfToken` must be sent back
 * in the `x-csrf-token` header of every POST/PATCH/PUT/DELETE.
 */
export const SessionInfo = z.object({
  setupRequired: z.boolean(),
  sandbox: z.boolean(),
  csrfToken: z.string(),
  user: User.nullable(),
  workspaces: z.array(WorkspaceSummary),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const UpdateMeRequest = z
  .object({ name: PersonName.optional(), locale: Locale.optional() })
  .refine((v) => v.name !== undefined || v.locale !== undefined, {
    message: said('Nothing to update.', 'Rien à modifier.'),
  });
export type UpdateMeRequest = z.infer<typeof UpdateMeRequest>;

export const CSRF_HEADER = 'x-csrf-token';
