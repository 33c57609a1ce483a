/**
 * The checklist's Sign-off block, recorded: `rampart doctor --sign "Technical: Ada Lovelace"
 * --decision go` stores who decided what, in which role, against which report (its SHA-256), in
 * the append-only `signoffs` table (migration 0005). The procedure is in docs/signoff.md.
 */
import type { Kysely, Selectable } from 'kysely';
import type { SignoffRole, SignoffsTable, Tables } from '../../platform/db/schema.js';
import { UsageError } from '../../cli/exit-codes.js';

export const SIGNOFF_ROLES: readonly SignoffRole[] = ['Technical', 'Operations', 'Security', 'Product'];
export type Decision = 'go' | 'no-go';

const NAME_CHARS_MAX = 200;
export const NOTE_CHARS_MAX = 2000;
/** Sign-offs listed at most: a launch has a handful; this bounds a table someone filled by script. */
export const SIGNOFFS_LISTED_MAX = 500;

/** The checklist's titles, and the short names, both lead to the role. */
const ROLE_NAMES: Readonly<Record<string, SignoffRole>> = {
  technical: 'Technical',
  'technical lead': 'Technical',
  operations: 'Operations',
  'operations lead': 'Operations',
  security: 'Security',
  'security lead': 'Security',
  product: 'Product',
  'product owner': 'Product',
};

export interface Signer {
  readonly role: SignoffRole;
  readonly name: string;
}

/** Parses `"<role>: <name>"`; an operator mistake is a UsageError naming what is accepted. */
export function parseSigner(text: string): Signer {
  const at = text.indexOf(':');
  const roleText = at < 0 ? '' : text.slice(0, at).trim().toLowerCase();
  const name = at < 0 ? '' : text.slice(at + 1).trim();
  const role = Object.hasOwn(ROLE_NAMES, roleText) ? ROLE_NAMES[roleText] : undefined;
  if (role === undefined) {
    throw new UsageError(
      `--sign needs "<role>: <name>" with role ${SIGNOFF_ROLES.join(', ')}; got "${text}"`,
    );
  }
  if (name === '' || name.length > NAME_CHARS_MAX || /[\p{Cc}]/u.test(name)) {
    throw new UsageError(`--sign needs a name of 1–${NAME_CHARS_MAX} printable characters after "${role}:"`);
  }
  return { role, name };
}

export function parseDecision(text: string | undefined): Decision {
  if (text === 'go' || text === 'no-go') return text;
  throw new UsageError('--sign needs --decision go or --decision no-go');
}

export interface SignoffInput {
  readonly signer: Signer;
  readonly decision: Decision;
  readonly reportSha256: string;
  readonly counts: {
    readonly PASS: number;
    readonly WARN: number;
    readonly FAIL: number;
    readonly MANUAL: number;
  };
  readonly note: string | undefined;
  readonly host: string;
  readonly rampartVersion: string;
}

export interface Signoff {
  readonly id: string;
  readonly role: SignoffRole;
  readonly name: string;
  readonly decision: Decision;
  readonly reportSha256: string;
  readonly counts: SignoffInput['counts'];
  readonly note: string | null;
  readonly host: string;
  readonly rampartVersion: string;
  readonly signedAt: Date;
}

function toSignoff(row: Selectable<SignoffsTable>): Signoff {
  return {
    id: row.id,
    role: row.role,
    name: row.name,
    decision: row.decision,
    reportSha256: row.report_sha256,
    counts: {
      PASS: row.items_pass,
      WARN: row.items_warn,
      FAIL: row.items_fail,
      MANUAL: row.items_manual,
    },
    note: row.note,
    host: row.host,
    rampartVersion: row.rampart_version,
    signedAt: row.signed_at,
  };
}

export async function recordSignoff(db: Kysely<Tables>, input: SignoffInput): Promise<Signoff> {
  if (input.note !== undefined && input.note.length > NOTE_CHARS_MAX) {
    throw new UsageError(`--note is ${input.note.length} characters; at most ${NOTE_CHARS_MAX}`);
  }
  const row = await db
    .insertInto('signoffs')
    .values({
      role: input.signer.role,
      name: input.signer.name,
      decision: input.decision,
      report_sha256: input.reportSha256,
      items_pass: input.counts.PASS,
      items_warn: input.counts.WARN,
      items_fail: input.counts.FAIL,
      items_manual: input.counts.MANUAL,
      note: input.note ?? null,
      host: input.host.slice(0, 255) || 'unknown',
      rampart_version: input.rampartVersion.slice(0, 100),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSignoff(row);
}

/** Every sign-off, oldest first (at most SIGNOFFS_LISTED_MAX, the newest ones). */
export async function listSignoffs(db: Kysely<Tables>): Promise<Signoff[]> {
  const rows = await db
    .selectFrom('signoffs')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(SIGNOFFS_LISTED_MAX)
    .execute();
  return rows.reverse().map(toSignoff);
}
