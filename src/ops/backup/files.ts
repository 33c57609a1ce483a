/**
 * Files of the backup folder: names, private modes, atomic publication, the folder lock and the
 * listing that retention and `latest` read. A backup is `rampart-<UTC timestamp>.dump.enc` plus
 * `rampart-<UTC timestamp>.manifest.json`; it counts as complete only when both exist, and the
 * manifest is published last.
 */
import { randomBytes } from 'node:crypto';
import { constants, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { BackupError } from './errors.js';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;
const NAME = /^rampart-(\d{8}T\d{6}Z)\.(dump\.enc|manifest\.json)$/;
const TEMP_PREFIX = '.rampart-tmp-';
const LOCK_NAME = '.rampart-backup.lock';

export interface BackupFiles {
  /** The timestamp part of the names, e.g. 20250102T030405Z. */
  readonly stamp: string;
  readonly createdAt: Date;
  readonly dump: string;
  readonly manifest: string;
}

/** `20250102T030405Z`: sortable, UTC, safe in file and object names. */
export function stampOf(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replaceAll('-', '')
    .replaceAll(':', '');
}

export function dateOfStamp(stamp: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  if (m === null) throw new Error(`not a backup timestamp: ${stamp}`);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
}

export function filesOf(dir: string, stamp: string): BackupFiles {
  return {
    stamp,
    createdAt: dateOfStamp(stamp),
    dump: join(dir, `rampart-${stamp}.dump.enc`),
    manifest: join(dir, `rampart-${stamp}.manifest.json`),
  };
}

/** The backup a path names: its `.dump.enc` or its `.manifest.json`. */
export function filesOfPath(path: string): BackupFiles {
  const full = resolve(path);
  const m = NAME.exec(basename(full));
  if (m?.[1] === undefined)
    throw new BackupError(
      `"${path}" is not a Rampart backup name (rampart-<timestamp>.dump.enc or .manifest.json)`,
    );
  return filesOf(dirname(full), m[1]);
}

/** Creates the folder (0700) or tightens an existing one: backups are readable by their owner only. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  const info = await stat(dir);
  if (!info.isDirectory()) throw new BackupError(`${dir} is not a directory`);
  if ((info.mode & 0o777) !== DIR_MODE) await chmod(dir, DIR_MODE);
}

export interface Listing {
  /** Complete backups, oldest first. */
  readonly complete: readonly BackupFiles[];
  /** Dumps without a manifest (a crash between the two renames, or a manifest deleted by hand). */
  readonly orphans: readonly string[];
  /** Leftovers of an interrupted run. */
  readonly temporary: readonly string[];
}

export async function listBackups(dir: string): Promise<Listing> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { complete: [], orphans: [], temporary: [] };
    throw error;
  }
  const dumps = new Set<string>();
  const manifests = new Set<string>();
  const temporary: string[] = [];
  for (const name of names) {
    if (name.startsWith(TEMP_PREFIX)) temporary.push(join(dir, name));
    const m = NAME.exec(name);
    if (m?.[1] === undefined) continue;
    (m[2] === 'dump.enc' ? dumps : manifests).add(m[1]);
  }
  const stamps = [...dumps].sort();
  return {
    complete: stamps.filter((s) => manifests.has(s)).map((s) => filesOf(dir, s)),
    orphans: stamps.filter((s) => !manifests.has(s)).map((s) => filesOf(dir, s).dump),
    temporary,
  };
}

/** The newest complete backup in `dir`, for the argument `latest`. */
export async function latestBackup(dir: string): Promise<BackupFiles> {
  const newest = (await listBackups(dir)).complete.at(-1);
  if (newest === undefined) throw new BackupError(`no complete backup in ${dir}`);
  return newest;
}

/** A private temporary path in `dir`, removed by the next run if this one dies. */
export function temporaryPath(dir: string, label: string): string {
  return join(dir, `${TEMP_PREFIX}${label}-${randomBytes(6).toString('hex')}`);
}

/** Opens a new file that only its owner can read, failing when it exists. */
export async function createPrivateFile(path: string): Promise<FileHandle> {
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, FILE_MODE);
  // The umask can only narrow the mode, but a file must never be wider than 0600: make it explicit.
  await handle.chmod(FILE_MODE);
  return handle;
}

/** Writes every chunk, waiting for each: the file system is the back-pressure. */
export async function writeAll(handle: FileHandle, chunks: AsyncIterable<Buffer>): Promise<void> {
  for await (const chunk of chunks) {
    let offset = 0;
    while (offset < chunk.length) {
      const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
      offset += bytesWritten;
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Makes a finished temporary file durable and gives it its final name: fsync the data, rename
 * (atomic on one file system), fsync the folder so the rename survives a power cut.
 */
export async function publish(handle: FileHandle, temporary: string, final: string): Promise<void> {
  await handle.sync();
  await handle.close();
  try {
    await stat(final);
    throw new BackupError(`${final} already exists; refusing to overwrite a backup`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await rename(temporary, final);
  await syncDir(dirname(final));
}

/** Writes a small file atomically (temporary name, fsync, rename, fsync of the folder). */
export async function writeFileAtomic(path: string, content: string, mode: number): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    await handle.chmod(mode);
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDir(dirname(path));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One backup (and, under its own lock, one restore) at a time per folder: two runs would race on
 * retention and temporary files. The lock file holds the pid; a lock whose process is gone is taken over.
 */
export function lockBackupDir(dir: string, lockName: string = LOCK_NAME): () => void {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  const path = join(dir, lockName);
  const what = lockName === LOCK_NAME ? 'backup' : 'restore';
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx', mode: FILE_MODE });
      return () => {
        rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && processAlive(holder))
        throw new BackupError(`another ${what} (process ${holder}) is running in ${dir}`);
      rmSync(path, { force: true });
    }
  }
  throw new BackupError(`could not lock ${dir}`);
}
