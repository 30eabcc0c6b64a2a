import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createEmulator, type Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';
import { ControlError } from './client.ts';

const C = DEMO.contoso;
const run = promisify(execFile);

describe('mail control API, demo mail and the mail CLI', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await createEmulator();
  });
  afterAll(() => emu.close());

  it('the demo seed has ~200 realistic emails over the last 30 days in claims@, production@ and a handler’s inbox, the same on every start', async () => {
    const counts = await Promise.all(
      [C.sharedMailboxes[0], C.sharedMailboxes[1], C.handlers[0]].map(
        async (m) => (await emu.control.listMessages(m, { folder: 'inbox' })).length,
      ),
    );
    expect(counts).toEqual([90, 60, 50]);
    const claims = await emu.control.listMessages(C.sharedMailboxes[0]);
    const now = Date.now();
    for (const m of claims) {
      const age = now - Date.parse(m.receivedDateTime);
      expect(age).toBeGreaterThanOrEqual(-5_000);
      expect(age).toBeLessThanOrEqual(30 * 86_400_000 + 60_000);
    }
    const types = new Set(claims.flatMap((m) => m.attachments.map((a) => a.contentType)));
    expect([...types].sort()).toEqual(['application/pdf', 'image/jpeg']);
    const other = await createEmulator();
    try {
      expect((await other.control.listMessages(C.sharedMailboxes[0])).map((m) => m.subject)).toEqual(
        claims.map((m) => m.subject),
      );
    } finally {
      await other.close();
    }
  });

  it('delivers JSON, .eml and generated mail; paced jobs; bad input is a 400', async () => {
    const d = await emu.control.deliverMessage(
      C.handlers[1],
      { subject: 'json', body: { contentType: 'text', content: 'hi' } },
      { folder: 'junkemail' },
    );
    expect((await emu.control.listMessages(C.handlers[1], { folder: 'junkemail' })).map((m) => m.id)).toEqual(
      [d.id],
    );
    await expect(emu.control.deliverEml(C.handlers[1], '')).rejects.toMatchObject({ status: 400 });
    await expect(emu.control.deliverMessage(C.noMailboxUser, { subject: 'x' })).rejects.toBeInstanceOf(
      ControlError,
    );
    let job = await emu.control.generateMail(C.handlers[1], {
      count: 5,
      ratePerSecond: 100,
      kind: 'production',
    });
    while (!job.done) {
      await new Promise((r) => setTimeout(r, 20));
      job = await emu.control.mailJob(job.id);
    }
    expect(job.delivered).toBe(5);
    expect(job.messages.every((m) => /policy POL-\d{7}$/.test(m.subject))).toBe(true);
    expect((await emu.control.mailStats()).messages).toBeGreaterThanOrEqual(206);
  });

  it('the mail CLI delivers generated mail into a running emulator', async () => {
    const cli = fileURLToPath(new URL('../mail-cli.ts', import.meta.url));
    const before = (await emu.control.listMessages(C.room)).length;
    const out = await run(process.execPath, [
      cli,
      '--url',
      emu.url,
      '--ca',
      emu.caFile,
      '--mailbox',
      C.room,
      '--generate',
      '--count',
      '3',
      '--seed',
      '9',
    ]);
    expect(out.stdout).toContain('delivered 3 generated email(s)');
    expect((await emu.control.listMessages(C.room)).length).toBe(before + 3);
  });

  it('reset brings the demo mailboxes back to the generated state', async () => {
    await emu.control.deliverMessage(C.sharedMailboxes[0], { subject: 'extra' });
    await emu.control.reset();
    expect((await emu.control.listMessages(C.sharedMailboxes[0])).length).toBe(90);
    expect((await emu.control.listMessages(C.handlers[1])).length).toBe(0);
  });
});
