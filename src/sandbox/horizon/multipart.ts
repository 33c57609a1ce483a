/** Just enough `multipart/form-data` to read one text field, as Horizon accepts `tx` that way too. */

/** Parts read before giving up: a form with the envelope has one or two. */
const PARTS_MAX = 16;

export function multipartField(contentType: string, body: string, name: string): string | undefined {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (boundary === undefined) return undefined;
  const parts = body.split(`--${boundary}`).slice(1, PARTS_MAX + 1);
  for (const part of parts) {
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) continue;
    const headers = part.slice(0, headerEnd);
    if (!new RegExp(`name="${name}"`, 'i').test(headers)) continue;
    return part.slice(headerEnd + 4).replace(/\r\n$/, '');
  }
  return undefined;
}
