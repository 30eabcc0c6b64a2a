import { describe, expect, it } from 'vitest';
import { htmlToText, sanitizeEmailHtml } from './sanitize.ts';

describe('email HTML', () => {
  it('drops scripts, handlers, forms and remote images; keeps inline images and links', () => {
    const html = `<p onclick="steal()">Hello <b>Claims</b></p><script>alert(1)</script>
      <img src="https://tracker.example/pixel.gif"><img src="cid:photo1" alt="damage">
      <form action="https://evil"><input name="pw"></form><a href="javascript:alert(1)">x</a><a href="https://contoso.example">site</a>
      <iframe src="https://evil"></iframe><style>body{display:none}</style>`;
    const out = sanitizeEmailHtml(html);
    expect(out).not.toMatch(
      /script|onclick|\ssrc="https:\/\/tracker\.example|<form|<input|javascript:|iframe|<style/,
    );
    expect(out).toContain('<img src="cid:photo1" alt="damage" />');
    expect(out).toContain(
      '<a href="https://contoso.example" target="_blank" rel="noopener noreferrer nofollow">site</a>',
    );
    expect(out).toContain('<b>Claims</b>');
  });
  it('turns HTML into readable text', () => {
    expect(htmlToText('<p>Line one</p><p>Line&nbsp;two &amp; more</p>')).toBe('Line one\nLine two & more');
  });
});

describe('remote images', () => {
  it('keeps an https image address where it loads nothing, and drops other schemes', () => {
    const out = sanitizeEmailHtml(
      '<img src="https://cdn.example/logo.png?a=1&b=2" alt="logo"><img src="http://plain.example/x.gif"><img src="javascript:alert(1)">',
    );
    expect(out).not.toMatch(/\ssrc="https?:/);
    expect(out).toContain('data-remote-src="https://cdn.example/logo.png?a=1&amp;b=2"');
    expect(out).not.toMatch(/plain\.example|javascript/);
  });
  it('cannot be tricked into a src by a crafted data-remote-src', () => {
    const out = sanitizeEmailHtml(
      '<img data-remote-src="x&quot; src=&quot;https://evil" src="cid:a"><img data-remote-src="https://evil2"><p data-remote-src="https://evil">t</p>',
    );
    expect(out).not.toMatch(/evil/);
  });
  it('drops a relative image address: only the view points images at Mailroom, for cid: parts (issue 19 §1)', () => {
    const out = sanitizeEmailHtml(
      '<img src="/api/v1/workspaces/w/documents/d/attachments/0?inline=1" alt="a"><img src="../x.png" alt="b"><img src="cid:logo" alt="c">',
    );
    expect(out).toBe('<img alt="a" /><img alt="b" /><img src="cid:logo" alt="c" />');
  });
});
