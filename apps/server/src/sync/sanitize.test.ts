import { describe, expect, it } from 'vitest';
import { htmlToText, sanitizeEmailHtml } from './sanitize.ts';

describe('email HTML', () => {
  it('drops scripts, handlers, forms and remote images; keeps inline images and links', () => {
    const html = `<p onclick="steal()">Hello <b>Claims</b></p><script>alert(1)</script>
      <img src="https://tracker.example/pixel.gif"><img src="cid:photo1" alt="damage">
      <form action="https://evil"><input name="pw"></form><a href="javascript:alert(1)">x</a><a href="https://contoso.example">site</a>
      <iframe src="https://evil"></iframe><style>body{display:none}</style>`;
    const out = sanitizeEmailHtml(html);
    expect(out).not.toMatch(/script|onclick|tracker\.example|<form|<input|javascript:|iframe|<style/);
    expect(out).toContain('<img src="cid:photo1" alt="damage" />');
    expect(out).toContain('<a href="https://contoso.example" target="_blank" rel="noopener noreferrer nofollow">site</a>');
    expect(out).toContain('<b>Claims</b>');
  });
  it('turns HTML into readable text', () => {
    expect(htmlToText('<p>Line one</p><p>Line&nbsp;two &amp; more</p>')).toBe('Line one\nLine two & more');
  });
});
