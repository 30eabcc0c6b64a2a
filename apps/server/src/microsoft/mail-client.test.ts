import { afterEach, describe, expect, it, vi } from 'vitest';
import { MailClient } from './mail-client.ts';
import { LocalSlotLeases, MailboxPacer } from './pacer.ts';
import type { MicrosoftSettings } from './settings.ts';

/** A Graph that answers every `$batch` request 200 and records the batches it was sent. */
function fakeGraph() {
  const batches: string[][] = [];
  const fetch = vi.fn(async (_url: string, init: { body?: string }) => {
    const { requests } = JSON.parse(init.body ?? '{}') as { requests: { id: string }[] };
    batches.push(requests.map((r) => r.id));
    const text = JSON.stringify({ responses: requests.map((r) => ({ id: r.id, status: 200 })) });
    return { ok: true, status: 200, headers: new Headers(), text: async () => text };
  });
  const settings = { graphUrl: 'https://graph.test', http: { fetch } } as unknown as MicrosoftSettings;
  return { settings, batches };
}

const pacers: MailboxPacer[] = [];
afterEach(() => {
  for (const p of pacers.splice(0)) p.close();
});

describe('MailClient.batch', () => {
  const requests = Array.from({ length: 7 }, (_, i) => ({
    id: String(i),
    method: 'GET',
    url: `/me/messages/${i}`,
  }));

  it('sends one $batch while the mailbox may have 4 in flight (Outlook runs 4 of it at once)', async () => {
    const { settings, batches } = fakeGraph();
    const pacer = new MailboxPacer(new LocalSlotLeases());
    pacers.push(pacer);
    const out = await new MailClient(settings, pacer).batch('t', 'mb', requests);
    expect(batches).toEqual([['0', '1', '2', '3', '4', '5', '6']]);
    expect(out.map((r) => r.id)).toEqual(['0', '1', '2', '3', '4', '5', '6']);
  });

  it('a mailbox whose learnt limit is 2 gets batches of 2, one after the other, never 4 at once at Microsoft', async () => {
    const { settings, batches } = fakeGraph();
    const pacer = new MailboxPacer(new LocalSlotLeases());
    pacers.push(pacer);
    vi.spyOn(pacer, 'limitOf').mockReturnValue(2);
    const out = await new MailClient(settings, pacer).batch('t', 'mb', requests);
    expect(batches).toEqual([['0', '1'], ['2', '3'], ['4', '5'], ['6']]);
    expect(out.map((r) => r.id)).toEqual(['0', '1', '2', '3', '4', '5', '6']);
  });
});
