// Fault storms for `npm run chaos`: Graph errors, notification faults, delta-token evictions.
import type { Emulator } from '@mailroom/m365-emulator';

/**
 * `share` of Graph requests (default 10 %) fail: half 429 with Retry-After 1, half 503 (with and
 * without Retry-After). Rules are tried in order, so the later probabilities are conditional.
 */
export async function graphErrorStorm(emu: Emulator, share = 0.1, seed = 7): Promise<void> {
  await emu.control.setFaultSeed(seed);
  const path = '^/v1\\.0/(users|\\$batch)';
  const p429 = share / 2;
  const p503 = share / 4 / (1 - p429);
  const p503bare = share / 4 / (1 - p429 - share / 4);
  await emu.control.addFault({
    path,
    probability: p429,
    action: {
      kind: 'status',
      status: 429,
      code: 'ApplicationThrottled',
      message: 'Application is over its MailboxConcurrency limit.',
      retryAfterSeconds: 1,
    },
  });
  await emu.control.addFault({
    path,
    probability: p503,
    action: { kind: 'status', status: 503, code: 'ServiceUnavailable', retryAfterSeconds: 2 },
  });
  await emu.control.addFault({
    path,
    probability: p503bare,
    action: { kind: 'status', status: 503, code: 'ServiceUnavailable' },
  });
}

/** Notifications dropped, duplicated and reordered (each with `probability`, independently). */
export async function notificationStorm(emu: Emulator, probability = 0.1): Promise<void> {
  await emu.control.addNotificationFault({ kind: 'drop', probability });
  await emu.control.addNotificationFault({ kind: 'duplicate', probability });
  await emu.control.addNotificationFault({ kind: 'reorder', probability });
}
