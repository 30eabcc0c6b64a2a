// The Microsoft 365 side of a benchmark: an in-process emulator with the Contoso demo tenant, extra
// shared mailboxes that Contoso's own app may read, bench folders in them, and generated mail.
import { createEmulator, DEMO, type Emulator, type ThrottleConfig } from '@mailroom/m365-emulator';

export interface BenchFolder {
  id: string;
  displayName: string;
}

export interface BenchMailbox {
  /** Entra object id (= the Graph mailbox id in the emulator's counters and request log). */
  id: string;
  address: string;
  folders: BenchFolder[];
}

/** The emulator with Microsoft's throttling limits (or `throttling`), http:// webhooks allowed. */
export async function startEmulator(throttling: Partial<ThrottleConfig> = {}): Promise<Emulator> {
  const emu = await createEmulator({
    seed: 'demo',
    demoMail: false,
    throttling,
    notifications: { allowHttp: true },
  });
  return emu;
}

/**
 * `count` new shared mailboxes (`bench-<tag>-<n>@contoso-insurance.com`), each in the group that
 * Contoso's application access policy lets the customer app read, each with `foldersPerMailbox`
 * new folders named "<tag> <k>".
 */
export async function createMailboxes(
  emu: Emulator,
  tag: string,
  count: number,
  foldersPerMailbox = 1,
  concurrency = 8,
): Promise<BenchMailbox[]> {
  const out: BenchMailbox[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const address = `bench-${tag}-${i}@${DEMO.contoso.domain}`;
      const user = await emu.control.createUser(DEMO.contoso.domain, {
        userPrincipalName: address,
        displayName: `Bench ${tag} ${i}`,
        kind: 'shared',
        hasMailbox: true,
      });
      await emu.control.addGroupMember(DEMO.contoso.accessPolicyGroup, address);
      const folders: BenchFolder[] = [];
      for (let k = 0; k < foldersPerMailbox; k++)
        folders.push(await emu.control.createFolder(address, `${tag} ${k}`));
      out[i] = { id: user.id, address, folders };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

/** A quarter of the generated mail has attachments (a PDF claim form and a photo), the rest none. */
export const attachmentMix = (i: number) => (i % 4 === 0 ? { pdfs: 1, jpegs: 1 } : { pdfs: 0, jpegs: 0 });

/** Loads `perMailbox` generated emails into each mailbox's first folder (a quarter with attachments). */
export async function preload(emu: Emulator, mailboxes: BenchMailbox[], perMailbox: number): Promise<void> {
  for (const mb of mailboxes) {
    const withAttachments = Math.round(perMailbox / 4);
    const folder = mb.folders[0]!.id;
    if (withAttachments > 0)
      await emu.control.generateMail(mb.address, { count: withAttachments, folder, ...attachmentMix(0) });
    if (perMailbox - withAttachments > 0)
      await emu.control.generateMail(mb.address, {
        count: perMailbox - withAttachments,
        folder,
        ...attachmentMix(1),
      });
  }
}
