/**
 * The manifest written next to every backup: what it holds and how to check it. It is plain JSON so
 * that monitoring and people can read it without the key; it needs no secrecy, and it cannot vouch
 * for the backup's content on its own — the GCM tag does that — so a restore trusts it only for
 * what to compare against.
 */
import { readFile } from 'node:fs/promises';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { BackupError } from './errors.js';
import { FILE_MODE, writeFileAtomic } from './files.js';

export const MANIFEST_FORMAT = 'rampart-backup-manifest';
export const MANIFEST_VERSION = 1;
const MANIFEST_BYTES_MAX = 1024 * 1024;

const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Count = Type.Integer({ minimum: 0 });

const ManifestSchema = Type.Object({
  format: Type.Literal(MANIFEST_FORMAT),
  format_version: Type.Literal(MANIFEST_VERSION),
  kind: Type.Union([Type.Literal('postgres'), Type.Literal('pglite')]),
  file: Type.String({ pattern: '^rampart-\\d{8}T\\d{6}Z\\.dump\\.enc$' }),
  created_at: Type.String({ format: 'date-time', maxLength: 40 }),
  duration_ms: Count,
  rampart_version: Type.String({ maxLength: 100 }),
  server_version: Type.String({ maxLength: 200 }),
  database: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
  pg_dump_version: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
  schema_version: Type.Object({
    latest: Type.Union([Count, Type.Null()]),
    migrations: Type.Array(
      Type.Object({ version: Count, name: Type.String({ maxLength: 200 }), checksum: Type.String() }),
      { maxItems: 10_000 },
    ),
  }),
  encryption: Type.Object({
    cipher: Type.Literal('aes-256-gcm'),
    file_format_version: Count,
    key_id: Type.String({ pattern: '^[0-9a-f]{16}$' }),
  }),
  size_bytes: Count,
  sha256: Sha256,
  plaintext_size_bytes: Count,
  plaintext_sha256: Sha256,
  row_counts: Type.Record(Type.String({ pattern: '^[a-z_]{1,63}$' }), Count),
  ledger_imbalance: Type.Array(Type.Object({ currency: Type.String(), sum_minor: Type.String() })),
});

export type Manifest = Static<typeof ManifestSchema>;
const checker = Compile(ManifestSchema);

export function parseManifest(text: string, path: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BackupError(`manifest ${path} is not valid JSON`);
  }
  if (!checker.Check(value)) {
    const first = checker.Errors(value)[0];
    const where = first === undefined ? '' : `: ${first.instancePath || '/'} ${first.message}`;
    throw new BackupError(`manifest ${path} is not a Rampart backup manifest${where}`);
  }
  return value;
}

export async function readManifest(path: string): Promise<Manifest> {
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.length > MANIFEST_BYTES_MAX) throw new BackupError(`manifest ${path} is too large`);
    text = bytes.toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new BackupError(`manifest ${path} is missing: a backup is checked against it before any restore`);
    throw error;
  }
  return parseManifest(text, path);
}

export async function writeManifest(path: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(manifest, null, 2)}\n`, FILE_MODE);
}
