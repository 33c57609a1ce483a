/**
 * The real HostProbe against things this test makes itself: files in a temporary folder, child
 * processes, a local HTTP server and a local TLS server with a self-signed certificate. It reads
 * nothing of the machine's own configuration.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHostProbe } from '../../src/ops/doctor/node-host-probe.js';
import { redisTestUrl } from '../support/services.js';

const probe = nodeHostProbe();

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('nodeHostProbe', () => {
  let dir: string;
  let http: Server;
  let httpUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rampart-probe-'));
    http = createServer((request, response) => {
      if (request.url === '/moved') {
        response.writeHead(301, { location: 'https://example.invalid/' }).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json', 'X-Test': 'yes' }).end('{"status":"ok"}');
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => http.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads, stats and lists files, telling missing from present, bounded in size', async () => {
    const path = join(dir, 'rampart.env');
    writeFileSync(path, 'NODE_ENV=production\nJWT_SECRET=x\n');
    chmodSync(path, 0o600);
    expect(await probe.readFile(path, 1024)).toEqual({
      kind: 'ok',
      text: 'NODE_ENV=production\nJWT_SECRET=x\n',
    });
    expect(await probe.readFile(path, 8)).toEqual({ kind: 'ok', text: 'NODE_ENV' });
    expect(await probe.readFile(join(dir, 'nope'), 8)).toEqual({ kind: 'missing' });
    expect(await probe.stat(path)).toMatchObject({
      kind: 'ok',
      isDirectory: false,
      mode: 0o600,
      sizeBytes: 33,
    });
    expect(await probe.stat(join(dir, 'nope', 'deeper'))).toEqual({ kind: 'missing' });
    expect(await probe.listDir(dir)).toEqual({ kind: 'ok', names: ['rampart.env'] });
    expect((await probe.disk(dir)).kind).toBe('ok');
  });

  it('runs commands with their exit code and output, and reports a missing program and a timeout', async () => {
    const node = process.execPath;
    expect(
      await probe.run(node, ['-e', 'process.stdout.write("hi"); process.exit(3)'], { timeoutMs: 10_000 }),
    ).toEqual({
      kind: 'exited',
      code: 3,
      stdout: 'hi',
      stderr: '',
    });
    expect(await probe.run('rampart-no-such-program', [], { timeoutMs: 1000 })).toEqual({
      kind: 'not-found',
    });
    const started = Date.now();
    expect(await probe.run(node, ['-e', 'setTimeout(() => {}, 20000)'], { timeoutMs: 300 })).toEqual({
      kind: 'timed-out',
      timeoutMs: 300,
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('fetches over HTTP without following redirects, and reports a refused connection', async () => {
    expect(await probe.httpGet(new URL(`${httpUrl}/health/ready`), 5000)).toMatchObject({
      kind: 'response',
      status: 200,
      headers: { 'x-test': 'yes' },
      body: '{"status":"ok"}',
    });
    expect(await probe.httpGet(new URL(`${httpUrl}/moved`), 5000)).toMatchObject({
      kind: 'response',
      status: 301,
      headers: { location: 'https://example.invalid/' },
    });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await probe.httpGet(new URL(`http://127.0.0.1:${port}/`), 5000)).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/ECONNREFUSED/) as unknown,
    });
  });

  it('resolves names and describes the system', async () => {
    expect(await probe.resolve('localhost', 5000)).toMatchObject({ kind: 'ok' });
    const system = probe.system();
    expect(system.cpus).toBeGreaterThan(0);
    expect(system.nodeVersion).toBe(process.versions.node);
  });

  describe.runIf(hasOpenssl())('TLS', () => {
    let tls: TlsServer;
    let port: number;
    beforeAll(async () => {
      const key = join(dir, 'key.pem');
      const cert = join(dir, 'cert.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '30',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=DNS:localhost',
        ],
        { stdio: 'ignore' },
      );
      tls = createTlsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_request, response) =>
        response.end('ok'),
      );
      await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
      port = (tls.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise((resolve) => tls.close(resolve));
    });

    it('describes a self-signed certificate as untrusted, with its expiry and protocol', async () => {
      const result = await probe.tlsCertificate('localhost', port, 5000);
      expect(result).toMatchObject({ kind: 'certificate', authorized: false, subject: 'localhost' });
      if (result.kind !== 'certificate') return;
      expect(result.authorizationError).toMatch(/SELF_SIGNED|self-signed/i);
      expect(result.protocol).toMatch(/^TLSv1\.[23]$/);
      const days = (result.validTo.getTime() - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(28);
      expect(days).toBeLessThan(31);
    });

    it('reports a handshake that never comes as an error within the timeout', async () => {
      const silent = createServer();
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const silentPort = (silent.address() as AddressInfo).port;
      try {
        expect(await probe.tlsCertificate('127.0.0.1', silentPort, 300)).toMatchObject({ kind: 'error' });
      } finally {
        silent.closeAllConnections();
        await new Promise((resolve) => silent.close(resolve));
      }
    });
  });

  it.runIf(redisTestUrl() !== undefined)('reads the Redis version', async () => {
    const result = await probe.redisVersion(new URL(redisTestUrl() ?? 'redis://127.0.0.1:6379'), 5000);
    expect(result).toMatchObject({ kind: 'ok', version: expect.stringMatching(/^\d+\.\d+/) as unknown });
  });

  it('reports a Redis that is not there', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await probe.redisVersion(new URL(`redis://127.0.0.1:${port}`), 2000)).toMatchObject({
      kind: 'error',
    });
  });
});
