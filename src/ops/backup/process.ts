/**
 * Running pg_dump, pg_restore and friends: explicit arguments (never a shell), a minimal environment
 * (children do not inherit BACKUP_ENCRYPTION_KEY or cloud credentials), a timeout, and stderr kept —
 * bounded — so a failure ends as one line that says why, with secrets scrubbed out.
 */
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { BackupError } from './errors.js';

const STDERR_LINES_KEPT = 40;
const LINE_CHARS_MAX = 400;
const MESSAGE_CHARS_MAX = 600;
const KILL_GRACE_MS = 5000;
const STDOUT_BYTES_MAX = 1024 * 1024;

export interface CommandSpec {
  readonly program: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** The setting an operator changes to allow more time, named in the timeout message. */
  readonly timeoutSetting?: string;
  /** Strings that must never appear in a message (passwords). */
  readonly secrets: readonly string[];
  /** What to do when the program is missing, e.g. which package installs it. */
  readonly missingHint: string;
  readonly onStderrLine?: (line: string) => void;
}

export interface RunningCommand {
  readonly stdout: Readable;
  /** Resolves when the program exited 0; rejects with a one-line BackupError otherwise. */
  readonly done: Promise<void>;
  /** Stops the program (e.g. when the consumer of its output failed). */
  kill(): void;
}

/** Replaces every secret, and anything that looks like a password in a URL or option, with ***. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('***');
  }
  return out
    .replace(/(\w+:\/\/[^:/@\s]*:)[^@\s]*@/g, '$1***@')
    .replace(/(password\s*=\s*)("[^"]*"|'[^']*'|\S+)/gi, '$1***');
}

/** The lines that explain a failure: those that say error, else the last few. */
export function summarise(lines: readonly string[]): string {
  const errors = lines.filter((line) => /\b(error|fatal|panic)\b/i.test(line));
  const chosen = errors.length > 0 ? errors.slice(-3) : lines.slice(-3);
  const text = chosen.map((line) => line.trim()).join(' | ');
  return text.length > MESSAGE_CHARS_MAX ? `${text.slice(0, MESSAGE_CHARS_MAX)}…` : text;
}

/** Environment for a child: what it needs to run and find its libraries, nothing of ours. */
export function childEnvironment(extra: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = { LC_ALL: 'C' };
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    // PG* lets operators keep using libpq's own settings (PGSSLMODE, PGSSLROOTCERT, PGPASSFILE, …).
    if (name === 'PATH' || name === 'HOME' || name === 'TZ' || name.startsWith('PG')) env[name] = value;
  }
  return { ...env, ...extra };
}

export function startCommand(spec: CommandSpec): RunningCommand {
  const label = basename(spec.program);
  const child = spawn(spec.program, [...spec.args], {
    env: spec.env,
    shell: false,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderrLines: string[] = [];
  let partial = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const raw of parts) {
      const line = scrub(raw.slice(0, LINE_CHARS_MAX), spec.secrets);
      if (line.trim() === '') continue;
      stderrLines.push(line);
      if (stderrLines.length > STDERR_LINES_KEPT) stderrLines.shift();
      spec.onStderrLine?.(line);
    }
  });
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
  };
  const timer = setTimeout(() => {
    if (child.exitCode !== null || child.signalCode !== null) return; // exited; 'close' settles it
    timedOut = true;
    stop();
  }, spec.timeoutMs);
  const done = new Promise<void>((resolvePromise, reject) => {
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new BackupError(
          error.code === 'ENOENT'
            ? `${label} not found: ${spec.missingHint}`
            : `${label} could not start: ${scrub(error.message, spec.secrets)}`,
        ),
      );
    });
    // After a timeout, settle on exit: a stray grandchild may hold the pipes open long after.
    child.on('exit', () => {
      if (!timedOut) return;
      clearTimeout(killTimer);
      child.stdout.destroy();
      child.stderr.destroy();
      const setting = spec.timeoutSetting === undefined ? '' : ` (${spec.timeoutSetting})`;
      reject(new BackupError(`${label} timed out after ${spec.timeoutMs} ms${setting}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      if (timedOut) return;
      if (partial.trim() !== '') stderrLines.push(scrub(partial.slice(0, LINE_CHARS_MAX), spec.secrets));
      if (code === 0) {
        resolvePromise();
      } else {
        const how = code === null ? `was stopped by ${signal ?? 'a signal'}` : `exited with ${code}`;
        const why = summarise(stderrLines);
        reject(new BackupError(`${label} ${how}${why === '' ? '' : `: ${why}`}`));
      }
    });
  });
  // Callers may stop listening when another part of a pipeline fails first: never an unhandled rejection.
  done.catch(() => undefined);
  return { stdout: child.stdout, done, kill: stop };
}

/** Runs a program to completion and returns its (bounded) standard output. */
export async function runCommand(spec: CommandSpec): Promise<string> {
  const running = startCommand(spec);
  const chunks: Buffer[] = [];
  let bytes = 0;
  running.stdout.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes <= STDOUT_BYTES_MAX) chunks.push(chunk);
  });
  await running.done;
  return Buffer.concat(chunks).toString('utf8');
}
