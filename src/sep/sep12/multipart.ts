/**
 * A bounded `multipart/form-data` parser for SEP-12 uploads: the whole body is already buffered
 * under the route's body limit, so this only splits it. It takes what PUT /customer needs — named
 * text fields and a few files — and refuses anything surprising rather than guessing.
 */
export interface UploadedFile {
  readonly field: string;
  readonly data: Buffer;
  /** As the client declared it: informative only, the content is sniffed. */
  readonly declaredType: string | null;
}

export interface MultipartBody {
  readonly fields: Record<string, string>;
  readonly files: Record<string, UploadedFile>;
}

export type MultipartResult =
  { readonly ok: true; readonly body: MultipartBody } | { readonly ok: false; readonly error: string };

export const MULTIPART_PARTS_MAX = 40;
const HEADER_BYTES_MAX = 2048;
const TEXT_PART_BYTES_MAX = 8 * 1024;
const BOUNDARY = /^[0-9A-Za-z'()+_,./:=?-]{1,70}$/;

export function boundaryOf(contentType: string): string | null {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  return boundary !== undefined && BOUNDARY.test(boundary) ? boundary : null;
}

function dispositionOf(headers: string): { name: string; filename: string | null } | null {
  const line = headers.split('\r\n').find((h) => h.toLowerCase().startsWith('content-disposition:'));
  if (line === undefined || !/:\s*form-data\s*(;|$)/i.test(line)) return null;
  const name = /;\s*name="([^"]*)"/i.exec(line)?.[1];
  if (name === undefined) return null;
  const filename = /;\s*filename="([^"]*)"/i.exec(line)?.[1] ?? null;
  return { name, filename };
}

function contentTypeOf(headers: string): string | null {
  const line = headers.split('\r\n').find((h) => h.toLowerCase().startsWith('content-type:'));
  return line === undefined
    ? null
    : line
        .slice(line.indexOf(':') + 1)
        .trim()
        .toLowerCase();
}

export function parseMultipart(body: Buffer, boundary: string): MultipartResult {
  const delimiter = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  const fields: Record<string, string> = {};
  const files: Record<string, UploadedFile> = {};
  // The first delimiter may follow a preamble, which is ignored (RFC 2046).
  let at = body.indexOf(delimiter);
  if (at < 0) return { ok: false, error: 'multipart body has no boundary' };
  at += delimiter.length;
  for (let parts = 0; ; parts++) {
    if (body.subarray(at, at + 2).toString() === '--') break;
    if (parts >= MULTIPART_PARTS_MAX)
      return { ok: false, error: `multipart body has more than ${MULTIPART_PARTS_MAX} parts` };
    if (body.subarray(at, at + 2).toString() !== '\r\n')
      return { ok: false, error: 'multipart body is malformed' };
    const headerEnd = body.indexOf('\r\n\r\n', at + 2);
    if (headerEnd < 0 || headerEnd - at > HEADER_BYTES_MAX)
      return { ok: false, error: 'multipart part headers are malformed' };
    const headers = body.subarray(at + 2, headerEnd).toString('utf8');
    const end = body.indexOf(next, headerEnd + 4);
    if (end < 0) return { ok: false, error: 'multipart body is truncated' };
    const content = body.subarray(headerEnd + 4, end);
    at = end + next.length;
    const disposition = dispositionOf(headers);
    if (disposition === null) return { ok: false, error: 'multipart part has no form-data name' };
    const { name } = disposition;
    if (Object.hasOwn(fields, name) || Object.hasOwn(files, name))
      return { ok: false, error: `${name}: sent more than once` };
    if (disposition.filename !== null || contentTypeOf(headers)?.startsWith('text/') === false) {
      files[name] = { field: name, data: Buffer.from(content), declaredType: contentTypeOf(headers) };
      continue;
    }
    if (content.length > TEXT_PART_BYTES_MAX) return { ok: false, error: `${name}: too long` };
    fields[name] = content.toString('utf8');
  }
  return { ok: true, body: { fields, files } };
}
