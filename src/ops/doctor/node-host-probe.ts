/** The real host: node:fs, child processes, fetch, TLS, DNS and Redis — each bounded in time and size. */
import { spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { open, readdir, stat, statfs } from 'node:fs/promises';
import { availableParallelism, hostname, networkInterfaces } from 'node:os';
import { checkServerIdentity, connect, type PeerCertificate } from 'node:tls';
import { Redis } from 'ioredis';
import type {
  CommandOptions,
  CommandResult,
  Denied,
  DirList,
  DiskResult,
  DnsResult,
  FileRead,
  FileStat,
  HostProbe,
  HttpResult,
  RedisResult,
  SystemFacts,
  TlsResult,
} from './host-probe.js';

/** A command's output beyond this is cut: the doctor reads status lines, not logs. */
const COMMAND_OUTPUT_BYTES_MAX = 4 * 1024 * 1024;
/** The first bytes of an HTTP body are enough to tell JSON health from an error page. */
const HTTP_BODY_BYTES_MAX = 64 * 1024;

function denied(error: unknown): Denied {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
  if (code === 'EACCES' || code === 'EPERM') return { kind: 'denied' };
  return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
}

async function readFileBounded(path: string, maxBytes: number): Promise<FileRead> {
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(maxBytes);
      const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
      return { kind: 'ok', text: buffer.subarray(0, bytesRead).toString('utf8') };
    } finally {
      await handle.close();
    }
  } catch (error) {
    return denied(error);
  }
}

async function statPath(path: string): Promise<FileStat> {
  try {
    const info = await stat(path);
    return {
      kind: 'ok',
      isDirectory: info.isDirectory(),
      mode: info.mode & 0o7777,
      uid: info.uid,
      gid: info.gid,
      sizeBytes: info.size,
      modifiedAt: info.mtime,
    };
  } catch (error) {
    return denied(error);
  }
}

async function listDirectory(path: string): Promise<DirList> {
  try {
    return { kind: 'ok', names: (await readdir(path)).sort() };
  } catch (error) {
    return denied(error);
  }
}

function runCommand(
  program: string,
  args: readonly string[],
  options: CommandOptions,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    // LC_ALL=C: the parsers read English, whatever the operator's locale.
    const child = spawn(program, [...args], {
      cwd: options.cwd,
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (result: CommandResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ kind: 'timed-out', timeoutMs: options.timeoutMs });
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < COMMAND_OUTPUT_BYTES_MAX) stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < COMMAND_OUTPUT_BYTES_MAX) stderr += chunk.toString('utf8');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      finish(error.code === 'ENOENT' ? { kind: 'not-found' } : { kind: 'error', message: error.message });
    });
    child.on('close', (code, signal) => {
      finish({ kind: 'exited', code: code ?? (signal === null ? 1 : 128), stdout, stderr });
    });
  });
}

async function httpGet(url: URL, timeoutMs: number): Promise<HttpResult> {
  try {
    const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    let body = '';
    if (response.body !== null) {
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      while (body.length < HTTP_BODY_BYTES_MAX) {
        const { done, value } = await reader.read();
        if (done) break;
        body += decoder.decode(value, { stream: true });
      }
      await reader.cancel().catch(() => undefined);
    }
    return { kind: 'response', status: response.status, headers, body: body.slice(0, HTTP_BODY_BYTES_MAX) };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return { kind: 'error', message: `${error instanceof Error ? error.message : String(error)}${cause}` };
  }
}

/** Certificate fields may repeat; the first one names it. */
function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function tlsCertificate(host: string, port: number, timeoutMs: number): Promise<TlsResult> {
  return new Promise((resolve) => {
    let settled = false;
    // Verification is done below, by hand, so an invalid certificate can still be described.
    const socket = connect({ host, port, servername: host, rejectUnauthorized: false });
    const finish = (result: TlsResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => {
      finish({ kind: 'error', message: `no TLS handshake within ${timeoutMs} ms` });
    }, timeoutMs);
    socket.once('secureConnect', () => {
      const certificate: PeerCertificate = socket.getPeerCertificate();
      if (Object.keys(certificate).length === 0) {
        finish({ kind: 'error', message: 'the server sent no certificate' });
        return;
      }
      const identityError = checkServerIdentity(host, certificate);
      // authorizationError is only set when the chain did not verify (the typings say always).
      const chainError = socket.authorized ? undefined : String(socket.authorizationError);
      const authorizationError = chainError ?? identityError?.message;
      finish({
        kind: 'certificate',
        authorized: socket.authorized && identityError === undefined,
        authorizationError,
        validTo: new Date(certificate.valid_to),
        issuer: first(certificate.issuer.O) ?? first(certificate.issuer.CN) ?? 'unknown issuer',
        subject: first(certificate.subject.CN) ?? '',
        protocol: socket.getProtocol() ?? 'unknown',
      });
    });
    socket.once('error', (error: Error) => {
      finish({ kind: 'error', message: error.message });
    });
  });
}

async function resolveHost(name: string, timeoutMs: number): Promise<DnsResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<DnsResult>((resolve) => {
    timer = setTimeout(() => {
      resolve({ kind: 'error', message: `no DNS answer within ${timeoutMs} ms` });
    }, timeoutMs);
  });
  const answer = lookup(name, { all: true }).then(
    (found): DnsResult => ({ kind: 'ok', addresses: found.map((a) => a.address) }),
    (error: unknown): DnsResult => ({
      kind: 'error',
      message: error instanceof Error ? error.message : String(error),
    }),
  );
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function redisVersion(url: URL, timeoutMs: number): Promise<RedisResult> {
  const redis = new Redis(url.toString(), {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const info = await redis.info('server');
    return { kind: 'ok', version: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown' };
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  } finally {
    redis.disconnect();
  }
}

async function diskOf(path: string): Promise<DiskResult> {
  try {
    const info = await statfs(path);
    return { kind: 'ok', totalBytes: info.blocks * info.bsize, freeBytes: info.bavail * info.bsize };
  } catch (error) {
    return denied(error);
  }
}

function systemFacts(): SystemFacts {
  const addresses = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((entry) => entry.address);
  return {
    cpus: availableParallelism(),
    nodeVersion: process.versions.node,
    uid: process.geteuid?.() ?? -1,
    hostname: hostname(),
    addresses,
  };
}

export function nodeHostProbe(): HostProbe {
  return {
    readFile: readFileBounded,
    stat: statPath,
    listDir: listDirectory,
    run: runCommand,
    httpGet,
    tlsCertificate,
    resolve: resolveHost,
    redisVersion,
    disk: diskOf,
    system: systemFacts,
    now: () => new Date(),
  };
}
