#!/usr/bin/env bash
# Proves deploy/pgbackrest/ works, not just parses: a throwaway PostgreSQL cluster (its own port and
# folder, never the server's) archives WAL with archive.conf through pgbackrest.conf — every option
# kept, only paths, port and passphrase swapped for throwaway ones — takes a full backup, and is
# restored to a point in time between two commits. Fails on any pgBackRest warning about the
# configuration. Run as root on a machine with PostgreSQL and pgbackrest installed:
#   bash deploy/pgbackrest/check.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -1)"
bin="/usr/lib/postgresql/$bin/bin"
command -v pgbackrest >/dev/null || { echo "check.sh: pgbackrest is not installed (apt-get install pgbackrest)" >&2; exit 1; }

work="$(mktemp -d /tmp/rampart-pgbackrest-check.XXXXXX)"
chmod 0755 "$work"
chown postgres:postgres "$work"
as_postgres() { runuser -u postgres -- "$@"; }
cleanup() {
  for cluster in pg restored; do
    if [ -f "$work/$cluster/postmaster.pid" ]; then as_postgres "$bin/pg_ctl" -D "$work/$cluster" -m immediate stop >/dev/null 2>&1 || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

conf="$work/pgbackrest.conf"
sed -E \
  -e "s|^repo1-path=.*|repo1-path=$work/repo|" \
  -e "s|^repo1-cipher-pass=.*|repo1-cipher-pass=$(openssl rand -base64 48 | tr -d '\n')|" \
  -e "s|^spool-path=.*|spool-path=$work/spool|" \
  -e "s|^log-path=.*|log-path=$work/log|" \
  -e "s|^pg1-path=.*|pg1-path=$work/pg|" \
  -e "s|^pg1-port=.*|pg1-port=5499|" \
  -e "s|^pg1-socket-path=.*|pg1-socket-path=$work|" \
  "$here/pgbackrest.conf" > "$conf"
printf 'lock-path=%s/lock\n' "$work" | sed -i "/^\[global\]$/r /dev/stdin" "$conf"
options() { grep -Ec '^[a-z0-9-]+=' "$1"; }
[ "$(options "$conf")" -eq "$(( $(options "$here/pgbackrest.conf") + 1 ))" ] || { echo "check.sh: an option was lost" >&2; exit 1; }
chown postgres:postgres "$conf"
install -d -o postgres -g postgres -m 0750 "$work/repo" "$work/spool" "$work/log" "$work/lock"

# The off-site repository is commented out in the example: parse it too (no network is touched by
# `info --repo=1`), so a misspelt repo2 option is caught here rather than on a server.
sed -e 's/^#repo2-/repo2-/' "$conf" > "$work/offsite.conf"
chown postgres:postgres "$work/offsite.conf"
if ! offsite="$(as_postgres pgbackrest --config="$work/offsite.conf" --stanza=rampart --repo=1 --log-level-console=warn info 2>&1)" ||
  grep -Eq '^(WARN|ERROR):' <<<"$offsite"; then
  echo "check.sh: the off-site (repo2) options do not parse:" >&2
  echo "$offsite" >&2
  exit 1
fi

as_postgres "$bin/initdb" -D "$work/pg" --auth=trust -U postgres >/dev/null
{
  sed -e "s|pgbackrest --stanza|pgbackrest --config=$conf --stanza|" "$here/archive.conf"
  printf "port = 5499\nlisten_addresses = ''\nunix_socket_directories = '%s'\n" "$work"
} >> "$work/pg/postgresql.conf"
as_postgres "$bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w start >/dev/null

# Runs a pgBackRest command that must succeed and say nothing at level warn: no invalid option,
# no missing path, no retention or archive warning.
pgbr() {
  local output
  if ! output="$(as_postgres pgbackrest --config="$conf" --stanza=rampart --log-level-console=warn "$@" 2>&1)" || [ -n "$output" ]; then
    echo "check.sh: pgbackrest $*:" >&2
    echo "$output" >&2
    exit 1
  fi
}
pgbr stanza-create
pgbr check
pgbr --type=full backup

psql_at() { as_postgres "$bin/psql" -h "$work" -p "$1" -U postgres -d postgres -Atq -c "$2"; }
# pgBackRest records a backup's stop time in whole seconds: a recovery target must come later.
sleep 2
psql_at 5499 "create table money (note text); insert into money values ('before')"
target="$(psql_at 5499 'select now()')"
sleep 1
psql_at 5499 "insert into money values ('after')"
pgbr check # switches WAL and waits until it is archived
as_postgres "$bin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null

pgbr --pg1-path="$work/restored" --type=time "--target=$target" --target-action=promote --archive-mode=off restore
as_postgres "$bin/pg_ctl" -D "$work/restored" -l "$work/restored.log" -o "-p 5498" -w start >/dev/null
for _ in $(seq 1 30); do
  [ "$(psql_at 5498 'select pg_is_in_recovery()')" = f ] && break
  sleep 1
done
rows="$(psql_at 5498 "select string_agg(note, ',') from money")"
if [ "$rows" != before ]; then echo "check.sh: point-in-time restore gave '$rows', expected 'before'" >&2; exit 1; fi
echo "deploy/pgbackrest: archive, full backup and point-in-time restore work ($(pgbackrest version))"
