/**
 * `application/x-www-form-urlencoded` bodies, which SEP-10 requires POST /auth to accept alongside
 * JSON (@fastify/formbody is not installed, and one field does not need it). Registered inside the
 * SEP-10 plugin, so it applies to its routes only; bounded by the parser's body limit.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../../platform/http/errors.js';

/** Fields at most: a token request has one. */
const FIELDS_MAX = 16;

/** Form fields as a plain object; a repeated field is refused rather than silently resolved. */
export function parseFormBody(body: string): Record<string, string> {
  const fields = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(body)) {
    if (fields.has(key)) throw new HttpError(400, 'invalid_request', `form field ${key} is repeated`);
    if (fields.size >= FIELDS_MAX) throw new HttpError(400, 'invalid_request', 'form has too many fields');
    fields.set(key, value);
  }
  // fromEntries defines own properties, so a field named __proto__ stays a field.
  return Object.fromEntries(fields);
}

export function registerFormBody(app: FastifyInstance, bodyLimit: number): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit },
    (_request: FastifyRequest, body: string | Buffer, done) => {
      try {
        done(null, parseFormBody(typeof body === 'string' ? body : body.toString('utf8')));
      } catch (error) {
        done(error as HttpError, undefined);
      }
    },
  );
}
