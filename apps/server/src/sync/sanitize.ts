import sanitizeHtml from 'sanitize-html';

/**
 * Email HTML as Mailroom shows it: no scripts, no event handlers, no forms, no styles, no remote
 * content (images only from `cid:`/`data:`; remote images would tell the sender the email was opened).
 * An https image keeps its address in `data-remote-src`, which loads nothing: the document view lets
 * it in only when someone chooses "show images" (documents/view.ts).
 */
export function sanitizeEmailHtml(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'span', 'font', 'center', 'u', 's', 'hr'],
    allowedAttributes: {
      a: ['href', 'name', 'title', 'target', 'rel'],
      img: ['src', 'alt', 'width', 'height', 'title', 'data-remote-src'],
      td: ['colspan', 'rowspan', 'align', 'valign', 'width'],
      th: ['colspan', 'rowspan', 'align', 'valign', 'width'],
      table: ['width', 'border', 'cellpadding', 'cellspacing'],
      font: ['color', 'size'],
      '*': ['dir', 'lang'],
    },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: ['cid', 'data'] },
    allowProtocolRelative: false,
    transformTags: {
      img: (tagName, attribs) => {
        // Only this transform may write data-remote-src: one that came with the email is dropped.
        const { src = '', 'data-remote-src': _sent, ...rest } = attribs;
        if (/^https:\/\//i.test(src)) return { tagName, attribs: { ...rest, 'data-remote-src': src } };
        // Only the email's own parts and data: images keep a src. A relative address would load from
        // Mailroom itself (the view writes those, for cid: images only: documents/view.ts).
        if (/^(cid|data):/i.test(src.trim())) return { tagName, attribs: { src, ...rest } };
        return { tagName, attribs: rest };
      },
      a: sanitizeHtml.simpleTransform('a', { target: '_blank', rel: 'noopener noreferrer nofollow' }),
    },
  });
}

/** Plain text from HTML, for search and for clients that want text. */
export function htmlToText(html: string): string {
  return sanitizeHtml(html.replace(/<(br|\/p|\/div|\/tr|\/h\d)\s*\/?>/gi, '\n'), {
    allowedTags: [],
    allowedAttributes: {},
  })
    .replace(/&nbsp;|\u00a0/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
