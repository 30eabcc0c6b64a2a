import type { JobHandler } from '../handler.ts';

export const runOutflow: JobHandler = async (payload, ctx) => {
  if (!ctx.outflow) throw new Error('job context has no outflow runner');
  await ctx.outflow.run((payload as { runId: string }).runId);
};

export const runOutflowSweep: JobHandler = async (_payload, ctx) => {
  if (!ctx.outflow) throw new Error('job context has no outflow runner');
  const n = await ctx.outflow.sweep();
  if (n) ctx.logger.info({ runs: n }, 'outflow sweep queued overdue actions');
};
