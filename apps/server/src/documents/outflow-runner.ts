import type { OutflowAction } from '@mailroom/contracts';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { MAX_ATTEMPTS, permanentReason, retryDelaySeconds } from '../core/outflow-policy.ts';
import type { Db } from '../db/client.ts';
import { documents, mailboxes, mailMessages, monitoredFolders, outflowRuns } from '../db/schema/index.ts';
import { classify } from '../microsoft/classify.ts';
import { GraphApiError } from '../microsoft/graph.ts';
import type { OutlookWriter } from '../microsoft/outlook-write.ts';
import { recordHistory } from './history.ts';

export interface OutflowDeps {
  db: Db;
  logger: Logger;
  token: (connectorId: string) => Promise<string>;
  writer: OutlookWriter;
  /** Queues `outflow.run` for these runs, optionally later (one queued + one running per run). */
  enqueue: (runIds: string[], startAfterSeconds?: number) => Promise<void>;
  /** First retry delay (config OUTFLOW_RETRY_BASE_SECONDS). */
  retryBaseSeconds?: number;
}

/**
 * How long a started attempt is left alone before the sweep queues the run again (a worker that died
 * mid-attempt; pg-boss usually retries sooner). Never two at once: one active job per run (stately).
 */
const LEASE_SECONDS = 120;
/** A run planned this long ago and still not started lost its kick (a crash right after the commit). */
const KICK_GRACE_SECONDS = 30;

type Outcome = { outcome: 'done'; detail: string };

/**
 * Runs outflow intents against Outlook (decision 0008). A run is recorded before anything happens
 * (documents/outflow-plan.ts); here it is carried out so that repeating it is harmless: categories
 * and moves look first, a forward finds its own tagged draft or sent item. One job per run is active
 * at a time (pg-boss `stately` per run id). Passing failures are retried with backoff for about ten
 * hours; failures waiting cannot fix are recorded as failed, with Microsoft's words.
 */
export class OutflowRunner {
  private readonly d: OutflowDeps;
  constructor(deps: OutflowDeps) {
    this.d = deps;
  }

  /** Queues runs now (after the transaction that planned them) or later (a retry's backoff). */
  queue(runIds: string[], startAfterSeconds?: number): Promise<void> {
    return this.d.enqueue(runIds, startAfterSeconds);
  }

  async run(runId: string): Promise<'done' | 'failed' | 'retrying' | 'skipped'> {
    const { db } = this.d;
    const [row] = await db
      .select({
        run: outflowRuns,
        doc: { id: documents.id, workspaceId: documents.workspaceId, version: documents.version },
        graphMessageId: mailMessages.graphMessageId,
        graphUserId: mailboxes.graphUserId,
        connectorId: mailboxes.connectorId,
      })
      .from(outflowRuns)
      .innerJoin(documents, eq(documents.id, outflowRuns.documentId))
      .innerJoin(mailMessages, eq(mailMessages.id, documents.messageId))
      .innerJoin(monitoredFolders, eq(monitoredFolders.id, mailMessages.folderId))
      .innerJoin(mailboxes, eq(mailboxes.id, monitoredFolders.mailboxId))
      .where(eq(outflowRuns.id, runId));
    if (!row || row.run.state !== 'pending') return 'skipped';
    const [claimed] = await db
      .update(outflowRuns)
      .set({
        attempts: sql`${outflowRuns.attempts} + 1`,
        attemptedAt: sql`now()`,
        nextAttemptAt: sql`now() + make_interval(secs => ${LEASE_SECONDS})`,
      })
      .where(and(eq(outflowRuns.id, runId), eq(outflowRuns.state, 'pending')))
      .returning({ attempts: outflowRuns.attempts });
    if (!claimed) return 'skipped';
    const action = row.run.action;
    try {
      const token = await this.d.token(row.connectorId);
      const r = await this.execute(token, row.graphUserId, row.graphMessageId, runId, action);
      await this.finish(runId, row.doc, row.run, 'done', r.detail);
      return 'done';
    } catch (err) {
      const reason = err instanceof GraphApiError ? permanentReason(err) : null;
      if (reason) {
        await this.finish(runId, row.doc, row.run, 'failed', reason);
        return 'failed';
      }
      const c = classify(err);
      const detail =
        c.kind === 'problem' ? `Waiting for the Microsoft connection (${c.cause}): ${c.detail}` : c.detail;
      if (claimed.attempts >= MAX_ATTEMPTS) {
        await this.finish(
          runId,
          row.doc,
          row.run,
          'failed',
          `Gave up after ${claimed.attempts} attempts. Last error: ${detail}`,
        );
        return 'failed';
      }
      const delay = retryDelaySeconds(
        claimed.attempts,
        c.kind === 'transient' ? c.retryAfterSeconds : undefined,
        this.d.retryBaseSeconds,
      );
      await db
        .update(outflowRuns)
        .set({ lastError: detail, nextAttemptAt: sql`now() + make_interval(secs => ${delay})` })
        .where(and(eq(outflowRuns.id, runId), eq(outflowRuns.state, 'pending')));
      this.d.logger.warn(
        { runId, kind: action.kind, attempt: claimed.attempts, delay, detail },
        'outflow action will be retried',
      );
      await this.d.enqueue([runId], delay);
      return 'retrying';
    }
  }

  private async execute(
    token: string,
    mailbox: string,
    messageId: string,
    runId: string,
    a: OutflowAction,
  ): Promise<Outcome> {
    const w = this.d.writer;
    switch (a.kind) {
      case 'category': {
        const r = await w.addCategory(token, mailbox, messageId, a.category, a.color);
        const detail =
          r === 'already_set'
            ? `The email already had the category "${a.category}".`
            : r === 'set_without_color'
              ? `Category "${a.category}" set, without a colour: Microsoft did not let Mailroom add it to the mailbox's categories (needs MailboxSettings.ReadWrite).`
              : `Category "${a.category}" set.`;
        return { outcome: 'done', detail };
      }
      case 'move': {
        const r = await w.move(token, mailbox, messageId, a.destinationFolderId);
        return {
          outcome: 'done',
          detail:
            r === 'already_there'
              ? `The email was already in ${a.destinationName}.`
              : `Moved to ${a.destinationName}.`,
        };
      }
      case 'forward': {
        const r = await w.forwardOnce(token, mailbox, messageId, runId, a.to, a.comment, async (draftId) => {
          await this.d.db.update(outflowRuns).set({ draftId }).where(eq(outflowRuns.id, runId));
        });
        return {
          outcome: 'done',
          detail:
            r === 'already_sent'
              ? `Forwarded to ${a.to} (the forward had gone out already).`
              : `Forwarded to ${a.to}.`,
        };
      }
    }
  }

  /** The run's final state and its history line, together. */
  private async finish(
    runId: string,
    doc: { id: string; workspaceId: string; version: number },
    run: typeof outflowRuns.$inferSelect,
    outcome: 'done' | 'failed',
    detail: string,
  ): Promise<void> {
    await this.d.db.transaction(async (tx) => {
      const [u] = await tx
        .update(outflowRuns)
        .set({ state: outcome, doneAt: sql`now()`, lastError: outcome === 'failed' ? detail : null })
        .where(and(eq(outflowRuns.id, runId), eq(outflowRuns.state, 'pending')))
        .returning({ id: outflowRuns.id });
      if (!u) return;
      const on = (run.action as OutflowAction).on;
      await recordHistory(tx, doc, 'outflow', null, {
        runId,
        source: run.source,
        on,
        action: run.action,
        outcome,
        detail,
      });
    });
    this.d.logger.info({ runId, kind: run.action.kind, outcome, detail }, 'outflow action finished');
  }

  /** Queues overdue pending runs: kicks lost to a crash after the commit, workers that died mid-attempt. */
  async sweep(limit = 500): Promise<number> {
    const rows = await this.d.db
      .select({ id: outflowRuns.id })
      .from(outflowRuns)
      .where(
        and(
          eq(outflowRuns.state, 'pending'),
          lt(outflowRuns.nextAttemptAt, sql`now() - make_interval(secs => ${KICK_GRACE_SECONDS})`),
        ),
      )
      .limit(limit);
    if (rows.length) await this.d.enqueue(rows.map((r) => r.id));
    return rows.length;
  }
}
