/**
 * Runs side by side and hands the results to `flush` in waves: what is ready when every task has
 * settled, or `maxWaitMs` after the first result of a wave — whichever comes first. A task that
 * resolves to `undefined` has nothing to hand over. Ingestion saves a fetch's documents this way:
 * in one transaction when they are ready together, without the fast ones waiting for a slow one
 * (a message waiting for its mailbox's Graph slots held its seven batch-mates' documents back by
 * 14–23 s in the chaos run). Resolves once every task has settled and every flush has finished; a
 * flush that throws rejects it.
 */
export async function inWaves<T>(
  tasks: Promise<T | undefined>[],
  flush: (wave: T[]) => Promise<void>,
  maxWaitMs: number,
): Promise<void> {
  if (!tasks.length) return;
  let wave: T[] = [];
  let timer: NodeJS.Timeout | undefined;
  let left = tasks.length;
  const flushes: Promise<void>[] = [];
  const send = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!wave.length) return;
    const ready = wave;
    wave = [];
    flushes.push(flush(ready));
  };
  await new Promise<void>((allSettled) => {
    for (const task of tasks)
      void task
        .then((v) => {
          if (v === undefined) return;
          wave.push(v);
          timer ??= setTimeout(send, maxWaitMs);
        })
        .catch(() => undefined)
        .finally(() => {
          if (--left > 0) return;
          send();
          allSettled();
        });
  });
  await Promise.all(flushes);
}
