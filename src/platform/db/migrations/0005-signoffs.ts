/**
 * Go/no-go sign-offs of the production-readiness checklist (`rampart doctor --sign`): who decided,
 * in which role, and the SHA-256 of the doctor report they saw. Append-only, like the other audit
 * tables: a decision is never edited or removed, a later one supersedes it. TRUNCATE is refused too,
 * since row triggers do not see it.
 */
export const signoffs = {
  version: 5,
  name: 'signoffs',
  sql: /* sql */ `
create table signoffs (
  id bigint generated always as identity primary key,
  role text not null check (role in ('Technical', 'Operations', 'Security', 'Product')),
  name text not null check (length(name) between 1 and 200),
  decision text not null check (decision in ('go', 'no-go')),
  report_sha256 text not null check (report_sha256 ~ '^[0-9a-f]{64}$'),
  items_pass integer not null check (items_pass >= 0),
  items_warn integer not null check (items_warn >= 0),
  items_fail integer not null check (items_fail >= 0),
  items_manual integer not null check (items_manual >= 0),
  note text check (length(note) <= 2000),
  host text not null check (length(host) between 1 and 255),
  rampart_version text not null check (length(rampart_version) between 1 and 100),
  signed_at timestamptz not null default now()
);
create index signoffs_role on signoffs (role, id desc);
create trigger signoffs_append_only before update or delete on signoffs
  for each row execute function rampart_forbid_change();
create trigger signoffs_no_truncate before truncate on signoffs
  for each statement execute function rampart_forbid_change();
`,
} as const;
