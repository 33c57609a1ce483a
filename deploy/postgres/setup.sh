#!/usr/bin/env bash
# Creates Rampart's PostgreSQL database and its two roles, idempotently:
#
#   rampart_owner  owns the database and its schema and runs the migrations. LOGIN, CREATEDB (for
#                  the scratch database of `rampart restore --verify`), nothing else.
#   rampart_app    what `rampart serve`, `rampart worker` and `rampart backup` connect as: LOGIN,
#                  CONNECT, USAGE on the schema and DML on the tables; no UPDATE or DELETE on the
#                  append-only audit tables (deploy/postgres/grants.sql, re-applied after every
#                  migration by rampart-migrate.service).
#
# It also enables pgcrypto and pg_stat_statements, which need a superuser. Run it as root on the
# database server: it connects as the postgres superuser over the local socket (peer
# authentication, `runuser -u postgres`). To use another superuser connection, set the libpq
# variables instead (PGHOST=127.0.0.1 PGUSER=postgres ...): deploy/validate.sh does that.
#
# Passwords: RAMPART_DB_OWNER_PASSWORD and RAMPART_DB_APP_PASSWORD when set (at least 32
# characters of A-Z a-z 0-9 . _ ~ -, so they need no escaping in a URL); otherwise a role created
# now gets a random 48-character password, written once to the credentials file (0600, root).
# An existing role keeps its password unless one of those variables is set (a rotation).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: setup.sh [options]

  --database NAME          default rampart
  --owner-role NAME        default rampart_owner
  --app-role NAME          default rampart_app
  --app-connection-limit N default 40 (serve 10 + worker 10 + a second serve during an upgrade 10
                           + backup and doctor; see postgresql.conf.d/rampart.conf)
  --credentials-file FILE  where generated passwords are written; default /etc/rampart/db-credentials
EOF
}

die() {
  printf 'setup.sh: %s\n' "$*" >&2
  exit 1
}
say() { printf 'postgres: %s\n' "$*"; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
database='rampart'
owner_role='rampart_owner'
app_role='rampart_app'
app_connection_limit=40
# Migrations, restore verification and a person with psql; a cap, not a reservation.
owner_connection_limit=10
credentials_file='/etc/rampart/db-credentials'

while [ $# -gt 0 ]; do
  case "$1" in
    --database) database="${2-}"; shift 2 || die "--database needs a value" ;;
    --owner-role) owner_role="${2-}"; shift 2 || die "--owner-role needs a value" ;;
    --app-role) app_role="${2-}"; shift 2 || die "--app-role needs a value" ;;
    --app-connection-limit) app_connection_limit="${2-}"; shift 2 || die "--app-connection-limit needs a value" ;;
    --credentials-file) credentials_file="${2-}"; shift 2 || die "--credentials-file needs a value" ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

# Plain lower-case identifiers: they appear in pg_hba.conf and in URLs without quoting.
identifier='^[a-z_][a-z0-9_]{0,62}$'
for name in "$database" "$owner_role" "$app_role"; do
  [[ "$name" =~ $identifier ]] || die "names must match $identifier, got: $name"
done
[ "$owner_role" != "$app_role" ] || die "the owner and application roles must differ"
[[ "$app_connection_limit" =~ ^[0-9]{1,4}$ ]] || die "--app-connection-limit must be a number"

# The superuser connection: the postgres OS user over the socket, or whatever libpq variables say.
psql_admin() {
  if [ -n "${PGHOST:-}" ] || [ -n "${PGUSER:-}" ]; then
    psql --no-psqlrc --quiet --set=ON_ERROR_STOP=1 "$@"
  else
    [ "$(id -u)" -eq 0 ] || die "run as root (to connect as the postgres OS user) or set PGHOST/PGUSER"
    # From / so psql does not complain that it cannot read root's working directory.
    (cd / && runuser -u postgres -- psql --no-psqlrc --quiet --set=ON_ERROR_STOP=1 "$@")
  fi
}

# One value from a query; the names are validated identifiers, so quoting them as literals is safe.
query() {
  local db="$1" sql="$2"
  psql_admin --dbname="$db" --tuples-only --no-align --command="$sql"
}

role_exists() { [ "$(query postgres "select 1 from pg_roles where rolname = '$1'")" = 1 ]; }

check_password() {
  local variable="$1" value="$2"
  [ "${#value}" -ge 32 ] || die "$variable must be at least 32 characters (Rampart refuses shorter on mainnet)"
  [[ "$value" =~ ^[A-Za-z0-9._~-]+$ ]] || die "$variable may contain only A-Z a-z 0-9 . _ ~ - (it goes into a URL)"
}

# The password to set for a role: the operator's, a new random one for a new role, or none (keep).
password_for() {
  local role="$1" variable="$2"
  local given="${!variable:-}"
  if [ -n "$given" ]; then
    check_password "$variable" "$given"
    printf '%s' "$given"
  elif ! role_exists "$role"; then
    # 24 random bytes as hex: 48 characters, URL-safe.
    openssl rand -hex 24
  fi
}

# Records a password in the credentials file (KEY=value lines), replacing an older value.
record_credential() {
  local key="$1" value="$2" dir
  dir="$(dirname "$credentials_file")"
  [ -d "$dir" ] || die "the directory of the credentials file does not exist: $dir"
  local tmp
  tmp="$(umask 077 && mktemp "$credentials_file.XXXXXX")"
  if [ -f "$credentials_file" ]; then
    grep -v "^$key=" "$credentials_file" >"$tmp" || true
  else
    printf '# Rampart database passwords, written by deploy/postgres/setup.sh. Keep a copy in your\n# password manager; deploy/provision.sh builds the DATABASE_URLs from them.\n' >"$tmp"
  fi
  printf '%s=%s\n' "$key" "$value" >>"$tmp"
  chmod 0600 "$tmp"
  mv -f "$tmp" "$credentials_file"
}

command -v psql >/dev/null 2>&1 || die "psql not found: install postgresql first"
command -v openssl >/dev/null 2>&1 || die "openssl not found"
query postgres 'select 1' >/dev/null || die "cannot connect to PostgreSQL as a superuser"
server_version="$(query postgres 'show server_version_num')"
[ "$server_version" -ge 140000 ] || die "PostgreSQL 14 or later is required, this server is $server_version"

owner_password="$(password_for "$owner_role" RAMPART_DB_OWNER_PASSWORD)"
app_password="$(password_for "$app_role" RAMPART_DB_APP_PASSWORD)"

for role in "$owner_role" "$app_role"; do
  if role_exists "$role"; then say "role $role exists"; else say "creating role $role"; fi
done
current_owner="$(query postgres "select pg_get_userbyid(datdba) from pg_database where datname = '$database'")"
if [ -z "$current_owner" ]; then
  say "creating database $database owned by $owner_role"
elif [ "$current_owner" != "$owner_role" ]; then
  say "database $database belongs to $current_owner: handing it to $owner_role"
else
  say "database $database exists"
fi

# Roles and database, through stdin so passwords never appear on a command line. Statements are
# not logged here (log_statement may be 'ddl', and ALTER ROLE ... PASSWORD is DDL).
psql_admin --dbname=postgres \
  --set=owner_role="$owner_role" --set=app_role="$app_role" --set=database="$database" \
  --set=owner_limit="$owner_connection_limit" --set=app_limit="$app_connection_limit" <<SQL
set log_statement = 'none';
set log_min_duration_statement = -1;
select format('create role %I', :'owner_role')
  where not exists (select 1 from pg_roles where rolname = :'owner_role') \gexec
select format('create role %I', :'app_role')
  where not exists (select 1 from pg_roles where rolname = :'app_role') \gexec
-- Attributes are set every run: a role someone widened by hand is narrowed again.
alter role :"owner_role" with login nosuperuser createdb nocreaterole noreplication nobypassrls
  connection limit :owner_limit;
alter role :"app_role" with login nosuperuser nocreatedb nocreaterole noreplication nobypassrls
  connection limit :app_limit;
$(if [ -n "$owner_password" ]; then printf "alter role :\"owner_role\" password '%s';\n" "$owner_password"; fi)
$(if [ -n "$app_password" ]; then printf "alter role :\"app_role\" password '%s';\n" "$app_password"; fi)
-- UTF-8 whatever the cluster's default; template0 because template1 may carry another encoding.
select format('create database %I owner %I encoding %L template template0', :'database', :'owner_role', 'UTF8')
  where not exists (select 1 from pg_database where datname = :'database') \gexec
alter database :"database" owner to :"owner_role";
SQL

# Inside the database: the owner owns the schema (PostgreSQL 14 gives it to postgres), and the
# extensions that only a superuser may create.
psql_admin --dbname="$database" --set=owner_role="$owner_role" <<'SQL'
set client_min_messages = warning;
alter schema public owner to :"owner_role";
revoke create on schema public from public;
create extension if not exists pgcrypto;
create extension if not exists pg_stat_statements;
SQL

psql_admin --dbname="$database" --set=owner_role="$owner_role" --set=app_role="$app_role" \
  --file="$here/grants.sql"
say "privileges of $app_role applied and checked (grants.sql)"

if [ -n "$owner_password" ]; then record_credential RAMPART_DB_OWNER_PASSWORD "$owner_password"; fi
if [ -n "$app_password" ]; then record_credential RAMPART_DB_APP_PASSWORD "$app_password"; fi
if [ -n "$owner_password$app_password" ]; then
  say "passwords written to $credentials_file (0600): copy them to your password manager"
fi

preload="$(query "$database" 'show shared_preload_libraries')"
case ",${preload// /}," in
  *,pg_stat_statements,*) say "pg_stat_statements is loaded" ;;
  *) say "WARNING: pg_stat_statements is not in shared_preload_libraries; install postgresql.conf.d/rampart.conf and restart PostgreSQL" ;;
esac
