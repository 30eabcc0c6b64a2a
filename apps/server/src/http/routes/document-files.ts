import { create as contentDisposition } from 'content-disposition';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../../core/errors.ts';
import { withoutBidiControls } from '../../core/file-names.ts';
import { previewType } from '../../documents/view.ts';
import type { HttpDeps } from '../deps.ts';
import { documentFor } from './documents.ts';
import { WorkspaceItemParams } from './params.ts';

/**
 * A document's files: the original email and its attachments, streamed from the blob store. Same
 * access as the document (documents.ts: its inbox's access list, 404 otherwise).
 */
export const documentFileRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;

  app.get(
    '/api/v1/workspaces/:workspaceId/documents/:id/eml',
    { schema: { tags: ['documents'], summary: 'The original email (.eml)', params: WorkspaceItemParams } },
    async (req, reply) => {
      const { d } = await documentFor(db, req, req.params);
      if (!d.emlSha256 || d.emlSize === null)
        throw new AppError('not_found', {
          en: 'This document was uploaded as a file, not an email: it has no .eml.',
          fr: 'Ce document a été téléversé comme fichier, pas reçu par e-mail : il n’a pas de .eml.',
        });
      return reply
        .type('message/rfc822')
        .header('content-disposition', contentDisposition(`${safeName(d.subject)}.eml`))
        .header('content-length', String(d.emlSize))
        .send(deps.blobs.open(d.emlSha256));
    },
  );

  app.get(
    '/api/v1/workspaces/:workspaceId/documents/:id/attachments/:index',
    {
      schema: {
        tags: ['documents'],
        summary: 'Download an attachment (?inline=1: preview a PDF or an image)',
        params: z.object({ workspaceId: z.string(), id: z.string(), index: z.coerce.number().int().min(0) }),
        querystring: z.object({ inline: z.enum(['0', '1']).optional() }),
      },
    },
    async (req, reply) => {
      const { d } = await documentFor(db, req, req.params);
      const a = d.attachments[req.params.index];
      if (!a?.sha256) throw notFound({ en: 'Attachment', fr: 'Pièce jointe' });
      const preview = req.query.inline === '1' ? previewType(a) : null;
      if (preview) {
        // Shown in the document page: a known, harmless type (never what the email claimed), framable
        // by this app only.
        reply
          .type(preview)
          .header('content-disposition', contentDisposition(safeName(a.name), { type: 'inline' }))
          .header('x-frame-options', 'SAMEORIGIN')
          .header(
            'content-security-policy',
            "default-src 'none'; img-src 'self'; frame-ancestors 'self'; plugin-types application/pdf",
          );
      } else {
        // Always a download, never rendered by the browser (an HTML attachment must not run here).
        reply
          .type('application/octet-stream')
          .header('content-disposition', contentDisposition(safeName(a.name)));
      }
      return reply.header('content-length', String(a.size)).send(deps.blobs.open(a.sha256));
    },
  );
};

/**
 * A file name without control characters or path separators, and without bidirectional controls
 * (saved in its real order, as the document view shows it); content-disposition encodes the rest.
 */
function safeName(name: string): string {
  const cleaned = withoutBidiControls(name || 'file')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f/\\]+/g, '_')
    .trim();
  return (cleaned || 'file').slice(0, 150);
}
