import type { ApiKey } from '@mailroom/contracts';
import type { ApiKeyRow } from './keys.ts';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toApiKeyView(k: ApiKeyRow): ApiKey {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scope: k.scope,
    inboxIds: k.inboxIds,
    expiresAt: iso(k.expiresAt),
    createdAt: k.createdAt.toISOString(),
    createdBy: k.createdByEmail,
    lastUsedAt: iso(k.lastUsedAt),
    revokedAt: iso(k.revokedAt),
  };
}
