import type { Directory } from '../tenant/directory.ts';
import type { Tenant } from '../tenant/model.ts';
import { Aadsts } from './errors.ts';

/** What the `{tenant}` path segment of an Entra URL designates. */
export type TenantSegment =
  | { kind: 'common' | 'organizations' | 'consumers'; segment: string }
  | { kind: 'tenant'; segment: string; tenant: Tenant };

export function resolveTenantSegment(dir: Directory, segment: string): TenantSegment {
  const l = segment.toLowerCase();
  if (l === 'common' || l === 'organizations' || l === 'consumers') return { kind: l, segment: l };
  const tenant = dir.findTenant(segment);
  if (!tenant) throw Aadsts.tenantNotFound(segment);
  return { kind: 'tenant', segment, tenant };
}

/** The tenant's name as Entra prints it in messages (its display name). */
export function tenantLabel(seg: TenantSegment): string {
  return seg.kind === 'tenant' ? seg.tenant.displayName : seg.segment;
}
