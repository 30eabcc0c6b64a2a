import type { outflowRun } from '../catalog.ts';
import type { JobHandler, PayloadOf } from '../handler-types.ts';

export const runOutflow: JobHandler<PayloadOf<typeof outflowRun>> = async ({ runId }, ctx) => {
  await ctx.outflow.run(runId);
};

export const runOutflowSweep: JobHandler = async (_payload, ctx) => {
  const n = await ctx.outflow.sweep();
  if (n) ctx.logger.info({ runs: n }, 'outflow sweep queued overdue actions');
};
