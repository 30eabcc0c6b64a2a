import type { Connector, ProblemCause } from '@mailroom/contracts';
import { SECRET_WARNING_DAYS } from '../core/connector-health.ts';
import type { ConnectorRow } from './token-broker.ts';

/** The API's view of a connector row. Secrets are in another table and never reach this function. */
export function toConnectorView(c: ConnectorRow, now = new Date()): Connector {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  const connection =
    c.authMode && c.tenantId && c.connectedAt
      ? {
          mode: c.authMode,
          tenantId: c.tenantId,
          tenantName: c.tenantName ?? c.tenantId,
          account: c.accountUpn,
          connectedAt: c.connectedAt.toISOString(),
          clientId: c.appClientId,
          servicePrincipalId: c.appPrincipalId,
          credentialKind: c.credentialKind,
          secretExpiresAt: iso(c.secretExpiresAt),
          secretExpiresInDays: secretDays(c.secretExpiresAt, now),
          lastCheckedAt: iso(c.lastCheckedAt),
          lastSuccessAt: iso(c.lastSuccessAt),
        }
      : null;
  const problem =
    c.problemCause && c.problemSince
      ? {
          cause: c.problemCause as ProblemCause,
          detail: c.problemDetail ?? '',
          since: c.problemSince.toISOString(),
          params: {
            ...(c.accountUpn ? { user: c.accountUpn } : {}),
            ...(c.tenantName ? { tenant: c.tenantName } : {}),
            ...(c.secretExpiresAt ? { date: c.secretExpiresAt.toISOString().slice(0, 10) } : {}),
            ...(c.problemMailbox ? { mailbox: c.problemMailbox } : {}),
          },
        }
      : null;
  return {
    id: c.id,
    name: c.name,
    type: c.type,
    status: c.status,
    statusChangedAt: c.statusChangedAt.toISOString(),
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    connection,
    problem,
    setup: c.setup ?? null,
  };
}

/** Days left once inside the first warning window (30 days), else null. */
function secretDays(expiresAt: Date | null, now: Date): number | null {
  if (!expiresAt) return null;
  const days = Math.ceil((expiresAt.getTime() - now.getTime()) / 86_400_000);
  return days <= SECRET_WARNING_DAYS[0] ? days : null;
}
