/**
 * The request bodies SEP-12 accepts besides JSON: `application/x-www-form-urlencoded` and
 * `multipart/form-data` (documents). Registered inside the SEP-12 plugin, so they apply to its
 * routes only. Forms keep the server's body limit; multipart gets room for the documents, and its
 * files are kept beside the request (the body itself stays plain text fields for the schema).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../../platform/http/errors.js';
import { boundaryOf, parseMultipart, type UploadedFile } from './multipart.js';

const FORM_FIELDS_MAX = 64;

export function parseFormBody(body: string): Record<string, string> {
  const fields = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(body)) {
    if (fields.has(key)) throw new HttpError(400, 'invalid_request', `${key}: sent more than once`);
    if (fields.size >= FORM_FIELDS_MAX)
      throw new HttpError(400, 'invalid_request', 'form has too many fields');
    fields.set(key, value);
  }
  // fromEntries defines own properties, so a field named __proto__ stays a field.
  return Object.fromEntries(fields);
}

export interface BodyParsers {
  /** Files of a multipart request (empty for other bodies). */
  filesOf(request: FastifyRequest): Readonly<Record<string, UploadedFile>>;
}

export function registerBodyParsers(
  app: FastifyInstance,
  limits: { formBytesMax: number; multipartBytesMax: number },
): BodyParsers {
  const files = new WeakMap<FastifyRequest, Record<string, UploadedFile>>();
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: limits.formBytesMax },
    (_request: FastifyRequest, body: string | Buffer, done) => {
      try {
        done(null, parseFormBody(typeof body === 'string' ? body : body.toString('utf8')));
      } catch (error) {
        done(error as HttpError, undefined);
      }
    },
  );
  app.addContentTypeParser(
    'multipart/form-data',
    { parseAs: 'buffer', bodyLimit: limits.multipartBytesMax },
    (request: FastifyRequest, body: string | Buffer, done) => {
      const boundary = boundaryOf(request.headers['content-type'] ?? '');
      if (boundary === null) {
        done(new HttpError(400, 'invalid_request', 'multipart body needs a boundary'), undefined);
        return;
      }
      const parsed = parseMultipart(Buffer.isBuffer(body) ? body : Buffer.from(body), boundary);
      if (!parsed.ok) {
        done(new HttpError(400, 'invalid_request', parsed.error), undefined);
        return;
      }
      files.set(request, parsed.body.files);
      done(null, parsed.body.fields);
    },
  );
  return { filesOf: (request) => files.get(request) ?? {} };
}
