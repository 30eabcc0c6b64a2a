import { GRAPH_APP_ID, GRAPH_RESOURCE } from '../tenant/model.ts';
import { Aadsts } from './errors.ts';

export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

/** Microsoft Graph delegated permissions the emulator knows (name → admin consent required, label). */
export const DELEGATED_PERMISSIONS: Record<string, { admin: boolean; label: string }> = {
  'User.Read': { admin: false, label: 'Sign you in and read your profile' },
  'User.ReadBasic.All': { admin: false, label: "Read all users' basic profiles" },
  'User.Read.All': { admin: true, label: "Read all users' full profiles" },
  'Directory.Read.All': { admin: true, label: 'Read directory data' },
  'Organization.Read.All': { admin: true, label: 'Read organization information' },
  'Group.Read.All': { admin: true, label: 'Read all groups' },
  'GroupMember.Read.All': { admin: true, label: 'Read group memberships' },
  'RoleManagement.Read.Directory': { admin: true, label: "Read your company's directory role assignments" },
  'Mail.Read': { admin: false, label: 'Read your mail' },
  'Mail.ReadBasic': { admin: false, label: 'Read basic mail in your mailbox' },
  'Mail.ReadWrite': { admin: false, label: 'Read and write access to your mail' },
  'Mail.Read.Shared': { admin: false, label: 'Read mail you can access, including shared mail' },
  'Mail.ReadWrite.Shared': {
    admin: false,
    label: 'Read and write mail you can access, including shared mail',
  },
  'Mail.Send': { admin: false, label: 'Send mail as you' },
  'Mail.Send.Shared': { admin: false, label: 'Send mail on behalf of others or yourself' },
  'MailboxSettings.Read': { admin: false, label: 'Read your mailbox settings' },
  'MailboxSettings.ReadWrite': { admin: false, label: 'Read and write your mailbox settings' },
};

/** Microsoft Graph application permissions (app roles); all need admin consent. */
export const APPLICATION_PERMISSIONS: Record<string, string> = {
  'Mail.Read': 'Read mail in all mailboxes',
  'Mail.ReadBasic': 'Read metadata of mail in all mailboxes',
  'Mail.ReadBasic.All': 'Read basic mail in all mailboxes',
  'Mail.ReadWrite': 'Read and write mail in all mailboxes',
  'Mail.Send': 'Send mail as any user',
  'MailboxSettings.Read': "Read all users' mailbox settings",
  'MailboxSettings.ReadWrite': "Read and write all users' mailbox settings",
  'User.Read.All': "Read all users' full profiles",
  'User.ReadBasic.All': "Read all users' basic profiles",
  'Directory.Read.All': 'Read directory data',
  'Organization.Read.All': 'Read organization information',
  'Group.Read.All': 'Read all groups',
  'GroupMember.Read.All': 'Read all group memberships',
  'RoleManagement.Read.Directory': 'Read all directory RBAC settings',
};

export const OIDC_LABELS: Record<string, string> = {
  openid: 'Sign you in',
  profile: 'View your basic profile',
  email: 'View your email address',
  offline_access: 'Maintain access to data you have given it access to',
};

function canonical(table: Record<string, unknown>, name: string): string | undefined {
  const l = name.toLowerCase();
  return Object.keys(table).find((k) => k.toLowerCase() === l);
}

export function canonicalDelegated(name: string): string | undefined {
  return canonical(DELEGATED_PERMISSIONS, name);
}

export function canonicalApplication(name: string): string | undefined {
  return canonical(APPLICATION_PERMISSIONS, name);
}

export interface ParsedScopes {
  /** OIDC scopes asked for (openid, profile, email, offline_access). */
  oidc: Set<string>;
  /** Graph delegated permissions asked for, canonical names. */
  graph: string[];
  /** `.default` was asked for (all statically configured permissions). */
  default: boolean;
  /** Requested Graph scopes in the form the client used (for the response `scope`). */
  longForm: boolean;
}

const GRAPH_PREFIXES = [`${GRAPH_RESOURCE}/`, `${GRAPH_APP_ID}/`, 'https://graph.microsoft.com//'];

/**
 * Splits a v2 `scope` parameter into OIDC scopes and Graph permissions. Other resources are
 * not emulated (AADSTS500011); unknown Graph permissions fail with AADSTS70011.
 */
export function parseScopes(scope: string, tenantName: string): ParsedScopes {
  const out: ParsedScopes = { oidc: new Set(), graph: [], default: false, longForm: false };
  for (const raw of scope.split(/\s+/).filter(Boolean)) {
    const lower = raw.toLowerCase();
    if ((OIDC_SCOPES as readonly string[]).includes(lower)) {
      out.oidc.add(lower);
      continue;
    }
    let name = raw;
    const prefix = GRAPH_PREFIXES.find((p) => lower.startsWith(p.toLowerCase()));
    if (prefix) {
      name = raw.slice(prefix.length);
      out.longForm = true;
    } else if (
      /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ||
      raw.startsWith('api://') ||
      /^[0-9a-f-]{36}\//i.test(raw)
    ) {
      throw Aadsts.resourceNotFound(raw.replace(/\/[^/]*$/, ''), tenantName);
    }
    if (name === '.default') {
      out.default = true;
      continue;
    }
    const c = canonicalDelegated(name);
    if (!c) throw Aadsts.invalidScope(raw);
    if (!out.graph.includes(c)) out.graph.push(c);
  }
  return out;
}

/** Formats Graph scopes the way the client asked (short `User.Read` or long URL form). */
export function formatGraphScopes(scopes: Iterable<string>, longForm: boolean): string[] {
  return [...scopes].map((s) => (longForm ? `${GRAPH_RESOURCE}/${s}` : s));
}
