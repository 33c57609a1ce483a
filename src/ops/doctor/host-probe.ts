/**
 * Everything the doctor learns about the host goes through this interface: files, commands, the
 * network and a few system facts. The real implementation (node-host-probe.ts) asks the machine;
 * tests give a fixture host, so no test depends on the real /etc of whoever runs it.
 *
 * Every method answers instead of throwing for the expected failures (missing, denied, timed out,
 * refused): the checks turn those into statuses.
 */

export type Denied =
  | { readonly kind: 'missing' }
  | { readonly kind: 'denied' }
  | { readonly kind: 'error'; readonly message: string };

export type FileRead = { readonly kind: 'ok'; readonly text: string } | Denied;

export interface FileInfo {
  readonly kind: 'ok';
  readonly isDirectory: boolean;
  /** Permission bits only (mode & 0o7777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly sizeBytes: number;
  readonly modifiedAt: Date;
}
export type FileStat = FileInfo | Denied;

export type DirList = { readonly kind: 'ok'; readonly names: readonly string[] } | Denied;

export type CommandResult =
  | { readonly kind: 'exited'; readonly code: number; readonly stdout: string; readonly stderr: string }
  /** The program is not installed (ENOENT). */
  | { readonly kind: 'not-found' }
  | { readonly kind: 'timed-out'; readonly timeoutMs: number }
  | { readonly kind: 'error'; readonly message: string };

export interface CommandOptions {
  readonly timeoutMs: number;
  readonly cwd?: string;
}

export interface HttpResponse {
  readonly kind: 'response';
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The first bytes of the body (bounded). */
  readonly body: string;
}
export type HttpResult = HttpResponse | { readonly kind: 'error'; readonly message: string };

export interface TlsCertificate {
  readonly kind: 'certificate';
  /** Chain valid and trusted, and it names the host. */
  readonly authorized: boolean;
  readonly authorizationError: string | undefined;
  readonly validTo: Date;
  readonly issuer: string;
  readonly subject: string;
  /** Negotiated protocol, e.g. TLSv1.3. */
  readonly protocol: string;
}
export type TlsResult = TlsCertificate | { readonly kind: 'error'; readonly message: string };

export type DnsResult =
  | { readonly kind: 'ok'; readonly addresses: readonly string[] }
  | { readonly kind: 'error'; readonly message: string };

export type RedisResult =
  { readonly kind: 'ok'; readonly version: string } | { readonly kind: 'error'; readonly message: string };

export interface DiskSpace {
  readonly totalBytes: number;
  readonly freeBytes: number;
}
export type DiskResult = ({ readonly kind: 'ok' } & DiskSpace) | Denied;

export interface SystemFacts {
  readonly cpus: number;
  readonly nodeVersion: string;
  /** Effective user id of the doctor itself (0 = root). */
  readonly uid: number;
  readonly hostname: string;
  /** Addresses of this host's interfaces (to compare with DNS). */
  readonly addresses: readonly string[];
}

export interface HostProbe {
  readFile(path: string, maxBytes: number): Promise<FileRead>;
  stat(path: string): Promise<FileStat>;
  listDir(path: string): Promise<DirList>;
  run(program: string, args: readonly string[], options: CommandOptions): Promise<CommandResult>;
  httpGet(url: URL, timeoutMs: number): Promise<HttpResult>;
  tlsCertificate(host: string, port: number, timeoutMs: number): Promise<TlsResult>;
  resolve(hostname: string, timeoutMs: number): Promise<DnsResult>;
  redisVersion(url: URL, timeoutMs: number): Promise<RedisResult>;
  disk(path: string): Promise<DiskResult>;
  system(): SystemFacts;
  now(): Date;
}
