import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

describe('logger', () => {
  it('names the process on every line: pid, host and role (several processes share one log store)', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger('info', {
      role: 'worker',
      destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
    });
    logger.info('folder synced');
    logger.child({ job: 'message.ingest' }).warn('job failed; retried per its policy');
    expect(lines).toHaveLength(2);
    for (const line of lines)
      expect(line).toMatchObject({
        pid: process.pid,
        hostname: os.hostname(),
        role: 'worker',
        service: 'mailroom',
      });
  });
});
