import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createHash } from 'node:crypto';
import { MAX_KEPT_ATTACHMENTS, MimeUnreadableError, readMimeSummary } from './mime-summary.ts';

const eml = (s: string) => Readable.from([Buffer.from(s.replaceAll('\n', '\r\n'))]);

describe('readMimeSummary', () => {
  it('reads encoded headers, groups of recipients, both bodies, and skips attachment contents', async () => {
    const big = 'A'.repeat(76);
    const m = await readMimeSummary(
      eml(`From: =?utf-8?q?Ren=C3=A9e_Dupont?= <renee@example.fr>
To: Claims <claims@contoso.com>, Team: a@x.com, b@x.com;
Cc: c@x.com
Subject: =?utf-8?b?U2luaXN0cmUgbsKwIDQy?=
Date: Fri, 27 Nov 2026 10:00:00 +0000
Message-ID: <abc@example.fr>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=b1

--b1
Content-Type: multipart/alternative; boundary=b2

--b2
Content-Type: text/plain; charset=utf-8

Bonjour
--b2
Content-Type: text/html; charset=utf-8

<p>Bonjour</p>
--b2--
--b1
Content-Type: application/pdf; name=constat.pdf
Content-Disposition: attachment; filename=constat.pdf
Content-Transfer-Encoding: base64

${Array.from({ length: 200 }, () => big).join('\n')}
--b1--
`),
    );
    expect(m.subject).toBe('Sinistre n° 42');
    expect(m.from).toEqual({ name: 'Renée Dupont', address: 'renee@example.fr' });
    expect(m.to.map((r) => r.address)).toEqual(['claims@contoso.com', 'a@x.com', 'b@x.com']);
    expect(m.cc).toEqual([{ name: null, address: 'c@x.com' }]);
    expect(m.date?.toISOString()).toBe('2026-11-27T10:00:00.000Z');
    expect(m.messageId).toBe('<abc@example.fr>');
    expect(m.text?.trim()).toBe('Bonjour');
    expect(m.html).toContain('<p>Bonjour</p>');
    expect(m.headers['auto-submitted']).toBe('auto-replied');
  });

  it('an HTML-only email has its HTML and no text (ingestion makes the text from the HTML)', async () => {
    const m = await readMimeSummary(
      eml(`From: a@example.fr
Subject: html only
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<p>Claim <b>42</b></p><p>Second line</p>
`),
    );
    expect(m.html).toContain('<b>42</b>');
    expect(m.text).toBeNull();
  });

  it('garbage gives an empty summary, not an exception', async () => {
    const m = await readMimeSummary(
      Readable.from([Buffer.from('This is not a MIME message at all\r\n\r\n\u0000\u0001 garbage')]),
    );
    expect(m.from).toBeNull();
    expect(m.to).toEqual([]);
    expect(m.subject).toBeNull();
  });
});

/** An in-memory store: what ingestion's blob store answers, and the contents by hash. */
function memoryStore() {
  const files = new Map<string, Buffer>();
  return {
    files,
    storeAttachment: async (content: Readable) => {
      const chunks: Buffer[] = [];
      for await (const c of content) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      const sha256 = createHash('sha256').update(body).digest('hex');
      files.set(sha256, body);
      return { sha256, size: body.length };
    },
  };
}

/** A multipart/mixed email with `n` small text attachments, the way nodemailer lays it out. */
function manyAttachments(n: number): Readable {
  const parts = Array.from(
    { length: n },
    (_, i) =>
      `--b1\r\nContent-Type: text/plain; name=f${i}.txt\r\nContent-Disposition: attachment; filename=f${i}.txt\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(`content ${i}`).toString('base64')}\r\n`,
  ).join('');
  return Readable.from([
    Buffer.from(
      `From: a@example.fr\r\nSubject: many\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nSee the files\r\n${parts}--b1--\r\n`,
    ),
  ]);
}

describe('readMimeSummary always ends (issue 19 §1)', () => {
  it(
    'reads an email with 1,200 attachments: the first 1,000 kept, the rest named, not stored',
    { timeout: 30_000 },
    async () => {
      const store = memoryStore();
      const m = await readMimeSummary(manyAttachments(1_200), store);
      expect(m.text?.trim()).toBe('See the files');
      expect(m.attachments).toHaveLength(1_200);
      const kept = m.attachments.filter((a) => a.sha256);
      expect(kept).toHaveLength(MAX_KEPT_ATTACHMENTS);
      expect(store.files.get(kept[999]!.sha256!)?.toString()).toBe('content 999');
      expect(m.attachments[1_000]).toMatchObject({ name: 'f1000.txt', sha256: null });
      expect(m.attachments[1_199]).toMatchObject({ name: 'f1199.txt', sha256: null });
    },
  );

  it('an email with more MIME parts than it reads fails with the reason, at once', async () => {
    const err = await readMimeSummary(manyAttachments(60), { ...memoryStore(), maxParts: 50 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MimeUnreadableError);
    expect((err as Error).message).toMatch(/more than 50 MIME parts/);
  });

  it('a read that stalls (an attachment stream never consumed) fails when its time bound runs out, not before', async () => {
    // The bound's timer on a fake clock: the test moves time instead of measuring it. Only the
    // timers are faked; the stream and the parser still run on the event loop.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let stalled!: () => void;
      const reached = new Promise<void>((r) => (stalled = r));
      let outcome: unknown;
      void readMimeSummary(manyAttachments(3), {
        storeAttachment: () => {
          stalled();
          return new Promise(() => undefined);
        },
        timeoutMs: 300,
      }).then(
        (m) => (outcome = m),
        (e: unknown) => (outcome = e),
      );
      await reached;
      await vi.advanceTimersByTimeAsync(299);
      expect(outcome).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(outcome).toBeInstanceOf(MimeUnreadableError);
      expect((outcome as Error).message).toBe('Reading the email did not finish within 300 ms.');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('readMimeSummary keeps what the email holds (issue 19 §1)', () => {
  it('keeps an inline cid: image as an inline attachment with its Content-ID', async () => {
    const m = await readMimeSummary(
      eml(`From: a@example.fr
Subject: logo
MIME-Version: 1.0
Content-Type: multipart/related; boundary=r1

--r1
Content-Type: text/html; charset=utf-8

<p>Logo: <img src="cid:logo@x"></p>
--r1
Content-Type: image/png
Content-ID: <logo@x>
Content-Disposition: inline
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--r1--
`),
      memoryStore(),
    );
    expect(m.attachments).toEqual([
      expect.objectContaining({ name: 'image-1.png', isInline: true, contentId: 'logo@x', kind: 'file' }),
    ]);
    expect(m.html).toContain('cid:logo@x');
  });

  it.each([
    ['Content-Type: text without subtype', 'Content-Type: text\n\nHello plain body\n', 'Hello plain body'],
    [
      'no blank line after the headers',
      'Content-Type: text/plain\nHello there\nsecond line\n',
      'Hello there\nsecond line',
    ],
    [
      'a part without a blank line',
      'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\nBody of the part\n--XX--\n',
      'Body of the part',
    ],
  ])('a body the parser cannot read (%s) is its raw text, shown as plain text', async (_, rest, text) => {
    const m = await readMimeSummary(eml(`From: a@example.fr\nSubject: raw\n${rest}`), memoryStore());
    expect(m.text).toBe(text);
    expect(m.bodyFromRawText).toBe(true);
    expect(m.attachments).toEqual([]);
  });

  it('a `Content-Type: text` part beside a readable body stays an attachment', async () => {
    const m = await readMimeSummary(
      eml(
        'From: a@example.fr\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\nThe body\n--XX\nContent-Type: text\n\nA note\n--XX--\n',
      ),
      memoryStore(),
    );
    expect(m.text?.trim()).toBe('The body');
    expect(m.bodyFromRawText).toBe(false);
    expect(m.attachments).toEqual([expect.objectContaining({ name: 'attachment.txt', size: 6 })]);
  });

  it('a readable body is not marked as plain text', async () => {
    const m = await readMimeSummary(eml('From: a@example.fr\nContent-Type: text/plain\n\nFine\n'));
    expect(m.bodyFromRawText).toBe(false);
  });

  it('decodes x-uuencode parts, names nameless parts from their type, keeps external-body stubs as links', async () => {
    const store = memoryStore();
    const m = await readMimeSummary(
      eml(`From: a@example.fr
Subject: parts
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=XX

--XX
Content-Type: text/plain

see the files
--XX
Content-Type: application/octet-stream
Content-Transfer-Encoding: x-uuencode

begin 644 hello.txt
+:&5L;&\\@=V]R;&0*
\`
end
--XX
Content-Type: application/pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--XX
Content-Type: application/pdf
Content-Transfer-Encoding: base64

JVBERi0xLjUK
--XX
Content-Type: image/png
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--XX
Content-Type: message/external-body; access-type=URL; URL="https://files.example.com/big.zip"

Content-Type: application/zip

--XX--
`),
      store,
    );
    const [uu, pdf1, pdf2, png, link] = m.attachments;
    expect(uu).toMatchObject({ name: 'hello.txt', size: 11 });
    expect(store.files.get(uu!.sha256!)?.toString()).toBe('hello world');
    expect(pdf1).toMatchObject({ name: 'attachment.pdf', givenName: null });
    expect(pdf2).toMatchObject({ name: 'attachment-2.pdf' });
    expect(png).toMatchObject({ name: 'image-1.png' });
    expect(link).toMatchObject({ kind: 'reference', url: 'https://files.example.com/big.zip', sha256: null });
    expect(m.attachments).toHaveLength(5);
  });

  it('keeps a malformed encoded word as it was written, decoding the good ones', async () => {
    const m = await readMimeSummary(
      eml(`From: =?UTF-8?B?!!!bad?= <a@example.fr>
Subject: Hello =?UTF-8?B?!!!not*base64?= and =?UTF-8?Q?caf=C3=A9?=
Content-Type: text/plain

body
`),
    );
    expect(m.subject).toBe('Hello =?UTF-8?B?!!!not*base64?= and café');
    expect(m.from).toEqual({ name: '=?UTF-8?B?!!!bad?=', address: 'a@example.fr' });
  });
});
