import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readMimeSummary } from './mime-summary.ts';

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
