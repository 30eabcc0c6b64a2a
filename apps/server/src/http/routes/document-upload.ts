import fastifyMultipart from '@fastify/multipart';
import { Document, Metadata } from '@mailroom/contracts';
import type { FastifyRequest } from 'fastify';
import { validatorCompiler, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { BlobRef } from '../../blobs/fs-store.ts';
import { AppError, type Words } from '../../core/errors.ts';
import { documentDetail, readableDocument } from '../../documents/queries.ts';
import { uploadDocument, type UploadedFile } from '../../documents/upload.ts';
import { requireMember } from '../plugins/auth.ts';
import type { HttpDeps } from '../deps.ts';
import { errors } from './documents.ts';
import { pathId, WorkspaceItemParams } from './params.ts';

/** Printable ASCII, as Stripe and the IETF draft allow; long enough for a UUID or a hash. */
const IdempotencyKey = z
  .string()
  .regex(
    /^[\x21-\x7e]{1,255}$/,
    'Idempotency-Key must be 1–255 printable ASCII characters (a UUID is a good choice).',
  )
  .optional();

/** The form, for the OpenAPI document (multipart bodies are read as a stream, not validated here). */
const UploadForm = z
  .object({
    file: z.string().meta({
      format: 'binary',
      description:
        'The file. An `.eml` (or `message/rfc822`) is read as an email; anything else becomes the document’s attachment.',
    }),
    subject: z
      .string()
      .max(998)
      .optional()
      .meta({ description: 'The subject to show (default: the email’s, or the file name).' }),
    metadata: z
      .string()
      .optional()
      .meta({ description: 'A JSON object of metadata, e.g. {"claim":"C-1234"} (at most 50 entries).' }),
  })
  .optional();

const FIELDS = new Set(['subject', 'metadata']);

/**
 * Creating a document by upload (issue 21 §2): multipart, one file, into an inbox the caller (a member
 * or a read-write API key) may reach. The file is streamed into the blob store as it arrives, never
 * held whole in memory. `Idempotency-Key` makes a retry safe: same key and request, same document
 * (200, `Idempotent-Replayed: true`); same key and another request, 422.
 */
export const documentUploadRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;
  // Scoped to this plugin: no other route accepts multipart bodies.
  await app.register(fastifyMultipart, {
    limits: { files: 1, fields: 10, fieldSize: 64 * 1024, parts: 12, fileSize: deps.config.uploadMaxBytes },
  });

  app.post(
    '/api/v1/workspaces/:workspaceId/inboxes/:id/documents',
    {
      schema: {
        tags: ['documents'],
        summary: 'Create a document by uploading an email (.eml) or any file into an inbox',
        description:
          'multipart/form-data with one `file` part. Send an `Idempotency-Key` header so that a retry (a timeout, a lost answer) never makes a second document: the same key with the same request answers the first document with `Idempotent-Replayed: true`; the same key with another request is refused (422 `idempotency_key_reused`). Example: `curl -H "Authorization: Bearer mrk_…" -H "Idempotency-Key: 4f1c…" -F file=@claim.eml …/inboxes/{id}/documents`.',
        consumes: ['multipart/form-data'],
        params: WorkspaceItemParams,
        headers: z.object({ 'idempotency-key': IdempotencyKey }),
        body: UploadForm,
        response: { 200: Document, 201: Document, ...errors, 413: errors[400], 422: errors[400] },
      },
      // The form is in the OpenAPI document, but read as a stream by readForm: not validated as a body.
      validatorCompiler: (route) =>
        route.httpPart === 'body'
          ? () => ({ value: undefined })
          : validatorCompiler(route as unknown as Parameters<typeof validatorCompiler>[0]),
    },
    async (req, reply) => {
      const workspaceId = pathId(req.params.workspaceId);
      const inboxId = pathId(req.params.id);
      const { principal, actor } = await requireMember(db, req, workspaceId);
      if (!req.isMultipart()) throw new AppError('validation_failed', SEND_MULTIPART);
      const form = await readForm(req, deps);
      const result = await uploadDocument(db, deps.blobs, {
        workspaceId,
        inboxId,
        principal,
        actor,
        file: form.file,
        subject: form.subject,
        metadata: form.metadata,
        idempotencyKey: req.headers['idempotency-key'],
      });
      const d = await readableDocument(db, workspaceId, result.documentId, principal);
      const doc = await documentDetail(db, d, false);
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply
        .status(result.replayed ? 200 : 201)
        .header('etag', `"${doc.revision}"`)
        .header('location', `/api/v1/workspaces/${workspaceId}/documents/${doc.id}`)
        .send(doc);
    },
  );
};

const SEND_MULTIPART: Words = {
  en: 'Send the file as multipart/form-data, in a part named "file".',
  fr: 'Envoyez le fichier en multipart/form-data, dans une partie nommée « file ».',
};

/** Reads the parts in order: the file streams into the blob store, the fields are kept. */
async function readForm(
  req: FastifyRequest,
  deps: HttpDeps,
): Promise<{ file: UploadedFile; subject?: string; metadata?: Record<string, string> }> {
  let file: UploadedFile | undefined;
  const fields: Record<string, string> = {};
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || file) {
          part.file.resume();
          throw new AppError('validation_failed', {
            en: 'Send exactly one file, in a part named "file".',
            fr: 'Envoyez un seul fichier, dans une partie nommée « file ».',
          });
        }
        const blob: BlobRef = await deps.blobs.put(part.file);
        file = {
          blob,
          name: part.filename?.trim() || 'upload',
          contentType: part.mimetype || 'application/octet-stream',
        };
      } else if (FIELDS.has(part.fieldname) && typeof part.value === 'string') {
        fields[part.fieldname] = part.value;
      }
    }
  } catch (err) {
    throw asUploadError(err, deps.config.uploadMaxBytes);
  }
  if (!file)
    throw new AppError('validation_failed', {
      en: 'Send the file in a part named "file".',
      fr: 'Envoyez le fichier dans une partie nommée « file ».',
    });
  return { file, ...(fields.subject ? { subject: fields.subject } : {}), ...metadataOf(fields.metadata) };
}

function metadataOf(raw: string | undefined): { metadata?: Record<string, string> } {
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new AppError('validation_failed', {
      en: 'metadata must be a JSON object, e.g. {"claim":"C-1234"}.',
      fr: 'Le champ « metadata » doit être un objet JSON, par exemple {"claim":"C-1234"}.',
    });
  }
  const m = Metadata.safeParse(parsed);
  if (!m.success) {
    // The last part is the contract's schema speaking (packages/contracts): English in both.
    const why = m.error.issues[0]?.message ?? '';
    throw new AppError('validation_failed', {
      en: `metadata must be a JSON object of text values (keys of 1–64 characters, values up to 1,000, at most 50): ${why}`,
      fr: `Le champ « metadata » doit être un objet JSON de valeurs texte (clés de 1 à 64 caractères, valeurs de 1\u00a0000 caractères au plus, 50 au maximum) : ${why}`,
    });
  }
  return { metadata: m.data };
}

/** @fastify/multipart's limit errors, in our words; anything else as it was. */
function asUploadError(err: unknown, maxBytes: number): unknown {
  if (err instanceof AppError) return err;
  const code = (err as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') {
    const mb = Math.round(maxBytes / 1024 / 1024);
    return new AppError('payload_too_large', {
      en: `The file is larger than this server takes (${mb} MB, UPLOAD_MAX_MB).`,
      fr: `Le fichier dépasse la taille que ce serveur accepte (${mb} Mo, UPLOAD_MAX_MB).`,
    });
  }
  if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT')
    return new AppError('validation_failed', {
      en: 'Send one file and at most the fields "subject" and "metadata".',
      fr: 'Envoyez un seul fichier et au plus les champs « subject » et « metadata ».',
    });
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return new AppError('validation_failed', SEND_MULTIPART);
  return err;
}
