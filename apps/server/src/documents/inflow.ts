import { and, eq } from 'drizzle-orm';
import type { BlobStore } from '../blobs/store.ts';
import { decideInflow, type InflowDecision, type InflowRule } from '../core/inflow-rules.ts';
import type { Db } from '../db/client.ts';
import { mailboxes, workspaces } from '../db/schema/index.ts';
import type { MailClient } from '../microsoft/mail-client.ts';
import { readHeaders } from './headers.ts';
import { recordDocumentEvents, recordHistoryOfMany } from './history.ts';
import type { OutflowConfig } from './outflow-plan.ts';
import { processName } from '../process-identity.ts';

const TENANT_DOMAINS_TTL_MS = 60 * 60 * 1000;

export interface InflowInput {
  workspaceId: string;
  connectorId: string;
  /** Graph token of the connector, to read the tenant's verified domains (null: use what is known). */
  token: string | null;
  from: string | null;
  emlSha256: string;
  /** Headers already parsed from the MIME (lower-case names → raw values); read from the .eml otherwise. */
  headers?: ReadonlyMap<string, string> | Record<string, string>;
}

/** The one Graph read the router makes (the tenant's verified domains): the paced mail client gives it. */
export type DirectoryReader = Pick<MailClient, 'json'>;

/**
 * The I/O around core/inflow-rules.ts: reads the headers from the stored `.eml` and the internal
 * domains (the tenant's verified domains, cached per connector for an hour, plus the workspace's own
 * list), then lets the pure rule decide. Nothing is read when the rule does not filter.
 */
export class InflowRouter {
  private readonly db: Db;
  private readonly blobs: BlobStore;
  private readonly mail: DirectoryReader;
  private readonly tenantDomains = new Map<string, { domains: string[]; at: number }>();
  constructor(deps: { db: Db; blobs: BlobStore; mail: DirectoryReader }) {
    this.db = deps.db;
    this.blobs = deps.blobs;
    this.mail = deps.mail;
  }

  async decide(rule: InflowRule, input: InflowInput): Promise<InflowDecision> {
    if (!rule.filterInflow) return decideInflow(rule, { from: input.from, headers: new Map() }, []);
    const headers =
      input.headers instanceof Map
        ? input.headers
        : input.headers
          ? new Map(Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v]))
          : await readHeaders(this.blobs.open(input.emlSha256));
    return decideInflow(rule, { from: input.from, headers }, await this.internalDomains(input));
  }

  async internalDomains(
    input: Pick<InflowInput, 'workspaceId' | 'connectorId' | 'token'>,
  ): Promise<string[]> {
    const [ws] = await this.db
      .select({ d: workspaces.internalDomains })
      .from(workspaces)
      .where(eq(workspaces.id, input.workspaceId));
    // The connector's own mailboxes are in the tenant, whatever Graph says about its domains.
    const boxes = await this.db
      .select({ address: mailboxes.address })
      .from(mailboxes)
      .where(and(eq(mailboxes.workspaceId, input.workspaceId), eq(mailboxes.connectorId, input.connectorId)));
    const own = boxes.map((b) => b.address.split('@')[1]?.toLowerCase() ?? '').filter(Boolean);
    return [
      ...new Set([...(ws?.d ?? []), ...own, ...(await this.verifiedDomains(input.connectorId, input.token))]),
    ];
  }

  private async verifiedDomains(connectorId: string, token: string | null): Promise<string[]> {
    const cached = this.tenantDomains.get(connectorId);
    if (cached && Date.now() - cached.at < TENANT_DOMAINS_TTL_MS) return cached.domains;
    if (!token) return cached?.domains ?? [];
    try {
      const org = await this.mail.json<{ value: { verifiedDomains?: { name: string }[] }[] }>(
        token,
        'directory',
        '/organization?$select=verifiedDomains',
      );
      const domains = org.value.flatMap((o) => o.verifiedDomains ?? []).map((d) => d.name.toLowerCase());
      this.tenantDomains.set(connectorId, { domains, at: Date.now() });
      return domains;
    } catch {
      // Not readable (permissions, outage): the mailbox domains and the workspace's list still apply.
      return cached?.domains ?? [];
    }
  }
}

/** The columns a routing decision sets on a document. */
export function routedColumns(d: InflowDecision) {
  return {
    inboxId: d.inboxId,
    status: d.status,
    filterReason: d.filterReason,
    documentTypeId: d.documentTypeId,
    tagIds: d.tagIds,
    metadata: d.metadata,
  };
}

/** A document just created by ingestion, with what it needs for its history, event and outflow. */
export interface Ingested {
  doc: { id: string; workspaceId: string; version: number; inboxId: string; status: 'new' | 'filtered' };
  decision: InflowDecision;
  origin: { folderId: string; folder: string; mailbox: string };
  outflow?: OutflowConfig;
}

/**
 * The history of documents just created by ingestion, and their `document.created` events unless the
 * rule filtered them (a filtered email is "created" when someone releases it into the inbox): one
 * statement per table for the whole batch. Returns the outflow runs the events planned, to queue
 * after the commit.
 */
export async function recordIngested(tx: Db, list: Ingested[]): Promise<string[]> {
  // `process`: which of several worker processes ingested it (host:pid).
  const ingested = (o: Ingested['origin']) => ({
    kind: 'ingested',
    actor: null,
    details: { ...o, process: processName },
  });
  const filtered = list.filter((x) => x.decision.status === 'filtered');
  const routed = list.filter((x) => x.decision.status !== 'filtered');
  await recordHistoryOfMany(
    tx,
    filtered.map(({ doc, decision: d, origin }) => ({
      doc,
      lines: [
        ingested(origin),
        { kind: 'filtered', actor: null, details: { reason: d.filterReason, evidence: d.evidence } },
      ],
    })),
  );
  const events = await recordDocumentEvents(
    tx,
    routed.map(({ doc, decision: d, origin, outflow }) => ({
      doc,
      type: 'document.created',
      kind: 'routed',
      actor: null,
      details: { inboxId: d.inboxId, documentTypeId: d.documentTypeId, tagIds: d.tagIds },
      precededBy: [ingested(origin)],
      ...(outflow ? { outflow } : {}),
    })),
  );
  return events.flatMap((e) => e.outflowRunIds);
}
