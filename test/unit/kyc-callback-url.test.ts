import { Keypair } from '@stellar/stellar-sdk';
import { describe, expect, it } from 'vitest';
import { signatureHeader } from '../../src/flows/customer-callback.js';
import { checkCallbackUrl, isPublicAddress, publicOnlyLookup } from '../../src/sep/sep12/callback-url.js';
import { boundaryOf, parseMultipart } from '../../src/sep/sep12/multipart.js';

describe('checkCallbackUrl', () => {
  it('accepts public https URLs outside the sandbox', () => {
    expect(checkCallbackUrl('https://wallet.example/kyc', false).ok).toBe(true);
    expect(checkCallbackUrl('https://8.8.8.8/kyc', false).ok).toBe(true);
  });

  it.each([
    ['http://wallet.example/kyc', 'https'],
    ['https://localhost/kyc', 'public host'],
    ['https://127.0.0.1/kyc', 'private'],
    ['https://10.1.2.3/kyc', 'private'],
    ['https://172.20.0.1/kyc', 'private'],
    ['https://192.168.1.1/kyc', 'private'],
    ['https://169.254.169.254/latest/meta-data', 'private'],
    ['https://100.64.0.1/kyc', 'private'],
    ['https://[::1]/kyc', 'private'],
    ['https://[fd00::1]/kyc', 'private'],
    ['https://[::ffff:127.0.0.1]/kyc', 'private'],
    ['https://metadata.internal/kyc', 'public host'],
    ['https://user:pass@wallet.example/kyc', 'credentials'],
    ['javascript:alert(1)', 'https'],
    ['not a url', 'not a URL'],
    [`https://wallet.example/${'a'.repeat(2100)}`, 'at most'],
  ])('refuses %s outside the sandbox', (url, reason) => {
    const result = checkCallbackUrl(url, false);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(reason);
  });

  it('allows http and local hosts in the sandbox only', () => {
    expect(checkCallbackUrl('http://127.0.0.1:9000/cb', true).ok).toBe(true);
    expect(checkCallbackUrl('ftp://127.0.0.1/cb', true).ok).toBe(false);
  });

  it('classifies addresses', () => {
    expect(isPublicAddress('1.1.1.1')).toBe(true);
    expect(isPublicAddress('2606:4700:4700::1111')).toBe(true);
    expect(isPublicAddress('127.0.0.1')).toBe(false);
    expect(isPublicAddress('::')).toBe(false);
    expect(isPublicAddress('not-an-ip')).toBe(false);
  });

  it('refuses to connect to a name that resolves to this machine', async () => {
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      publicOnlyLookup('localhost', {}, (err) => {
        resolve(err);
      });
    });
    expect(error?.code).toBe('ECALLBACKBLOCKED');
  });
});

describe('signatureHeader', () => {
  it('signs "timestamp.host.body" with the signing key, as SEP-12 specifies', () => {
    const key = Keypair.random();
    const header = signatureHeader(key, 1_700_000_000, 'wallet.example', '{"status":"ACCEPTED"}');
    const match = /^t=1700000000, s=(.+)$/.exec(header);
    expect(match).not.toBeNull();
    const signature = Buffer.from(match![1]!, 'base64');
    expect(key.verify(Buffer.from('1700000000.wallet.example.{"status":"ACCEPTED"}'), signature)).toBe(true);
    expect(key.verify(Buffer.from('1700000000.evil.example.{"status":"ACCEPTED"}'), signature)).toBe(false);
  });
});

describe('parseMultipart', () => {
  const boundary = 'XyZ';
  const body = (text: string) => Buffer.from(text.replaceAll('\n', '\r\n'), 'latin1');

  it('reads text fields and files, ignoring a preamble', () => {
    const parsed = parseMultipart(
      body(
        'preamble\n--XyZ\nContent-Disposition: form-data; name="first_name"\n\nAda\n--XyZ\nContent-Disposition: form-data; name="photo_id_front"; filename="a.jpg"\nContent-Type: image/jpeg\n\n\xff\xd8\xff\x00\n--XyZ--\n',
      ),
      boundary,
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.body.fields).toEqual({ first_name: 'Ada' });
    expect([...(parsed.body.files['photo_id_front']?.data ?? [])]).toEqual([0xff, 0xd8, 0xff, 0x00]);
  });

  it.each([
    ['no boundary at all', 'hello'],
    ['a truncated part', '--XyZ\nContent-Disposition: form-data; name="a"\n\nvalue'],
    ['a part without a name', '--XyZ\nContent-Disposition: form-data\n\nx\n--XyZ--'],
    [
      'a repeated field',
      '--XyZ\nContent-Disposition: form-data; name="a"\n\n1\n--XyZ\nContent-Disposition: form-data; name="a"\n\n2\n--XyZ--',
    ],
  ])('refuses %s', (_case, text) => {
    expect(parseMultipart(body(text), boundary).ok).toBe(false);
  });

  it('refuses too many parts', () => {
    const part = '--XyZ\nContent-Disposition: form-data; name="f{i}"\n\nx\n';
    const many = Array.from({ length: 41 }, (_, i) => part.replace('{i}', String(i))).join('') + '--XyZ--\n';
    const parsed = parseMultipart(body(many), boundary);
    expect(parsed.ok).toBe(false);
  });

  it('reads the boundary from the content type', () => {
    expect(boundaryOf('multipart/form-data; boundary=abc')).toBe('abc');
    expect(boundaryOf('multipart/form-data; boundary="a b"')).toBeNull();
    expect(boundaryOf('multipart/form-data')).toBeNull();
  });
});
