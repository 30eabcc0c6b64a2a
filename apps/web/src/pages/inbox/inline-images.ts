import { api } from '@mailroom/contracts';
import { useEffect, useState } from 'react';

const MAX_IMAGES = 50;
const MAX_BYTES = 10 * 1024 * 1024;

/**
 * The body with its inline images (its `cid:` parts, which the server points at this document's
 * attachments) as `data:` URLs. The body's frame is sandboxed without same-origin, so its requests
 * carry no session cookie: the page fetches the images itself (same origin, with the session) and
 * hands them to the frame. Until they are read, the body shows without them.
 */
export function useInlineImages(ws: string, documentId: string, html: string | null): string | null {
  const [done, setDone] = useState<{ from: string; html: string } | null>(null);
  useEffect(() => {
    if (!html) return;
    // This document's own attachments only, as the server writes them in place of `cid:` images (the
    // sanitiser drops every other address that would load from Mailroom).
    const own = api.documentAttachment(ws, documentId, 0).replace(/0$/, '');
    const urls = [...new Set([...html.matchAll(/\ssrc="([^"]+)"/g)].map((m) => m[1]!))]
      .filter((u) => u.startsWith(own) && /^\d+\?inline=1$/.test(u.slice(own.length)))
      .slice(0, MAX_IMAGES);
    if (!urls.length) return;
    let cancelled = false;
    void Promise.all(urls.map(async (url) => [url, await dataUrl(url)] as const)).then((pairs) => {
      if (cancelled) return;
      let next = html;
      for (const [url, data] of pairs) if (data) next = next.replaceAll(`src="${url}"`, `src="${data}"`);
      setDone({ from: html, html: next });
    });
    return () => {
      cancelled = true;
    };
  }, [ws, documentId, html]);
  return done && done.from === html ? done.html : html;
}

async function dataUrl(url: string): Promise<string | null> {
  try {
    const r = await fetch(url, { credentials: 'same-origin' });
    if (!r.ok) return null;
    const blob = await r.blob();
    if (blob.size > MAX_BYTES || !blob.type.startsWith('image/')) return null;
    return await new Promise((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : null);
      reader.onerror = () => resolve(null);
      reader.readAsDataURL(blob);
    });
  } catch {
    return null;
  }
}
