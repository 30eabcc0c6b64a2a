import type { EmulatorState } from '../state.ts';
import { generateClaimEmail } from '../mail/generate.ts';
import { seededRandom } from '../faults/faults.ts';
import { DEMO } from './demo.ts';

/**
 * ~200 realistic emails over the last 30 days for the demo tenant: claims@ (claims), production@
 * (broker submissions), and Alex Wilber's inbox (a mix). Generated at start from a fixed seed
 * (same content every time, dates relative to now) instead of committing large files.
 */
export function seedDemoMail(st: EmulatorState): number {
  const plan: { mailbox: string; count: number; kinds: ('claim' | 'production' | 'noise')[] }[] = [
    {
      mailbox: DEMO.contoso.sharedMailboxes[0],
      count: 90,
      kinds: ['claim', 'claim', 'claim', 'claim', 'noise'],
    },
    {
      mailbox: DEMO.contoso.sharedMailboxes[1],
      count: 60,
      kinds: ['production', 'production', 'production', 'noise'],
    },
    { mailbox: DEMO.contoso.handlers[0], count: 50, kinds: ['claim', 'claim', 'noise', 'production'] },
  ];
  const now = st.clock.now();
  let n = 0;
  for (const [i, p] of plan.entries()) {
    const user = st.dir.findUser(p.mailbox);
    if (!user || !user.hasMailbox) continue;
    const mailbox = st.mail.mailbox(user);
    const inbox = st.mail.wellKnown(mailbox, 'inbox')!;
    const r = seededRandom(1000 + i);
    // Oldest first so that the mailbox sequence follows arrival order.
    const ages = Array.from({ length: p.count }, () => r() * 30 * 24 * 3600 * 1000).sort((a, b) => b - a);
    for (const [j, age] of ages.entries()) {
      const init = generateClaimEmail(st, mailbox, {
        seed: 7 + i,
        index: j,
        kind: p.kinds[j % p.kinds.length]!,
      });
      init.receivedMs = Math.floor(now - age);
      init.sentMs = init.receivedMs - 30_000;
      init.isRead = age > 3 * 24 * 3600 * 1000 && r() < 0.8;
      st.mail.addMessage(mailbox, inbox, init);
      n++;
    }
  }
  return n;
}
