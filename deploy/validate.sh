#!/usr/bin/env bash
# Checks the deploy kit with the real tools, without touching the system's own configuration:
#
#   shell      bash -n and shellcheck -x on every script under deploy/
#   nginx      the site rendered by render.sh for a throwaway self-signed certificate, tested with
#              nginx -t in a private prefix (with and without OCSP stapling; warnings fail), then
#              served on spare ports against a stub of Rampart: redirects, ACME, headers,
#              X-Forwarded-*, /metrics refused, body limits, rate limit, JSON errors
#   systemd    systemd-analyze verify on every unit, in a scratch root with stub executables at
#              the ExecStart paths; systemd-analyze security (exposure at most 2.0); the settings
#              rampart doctor and the kit rely on
#   postgres   the postgresql.conf snippet and pg_hba rules parsed by a scratch cluster of the
#              installed PostgreSQL; setup.sh, grants.sql and autovacuum.sql run against the local
#              server (127.0.0.1:5432, user postgres) in a scratch database with scratch roles,
#              then the application role's privileges asserted, after the real migrations when
#              Rampart is built; all dropped afterwards
#   kit        cross-file facts: Node version, audit tables, documented settings
#
# It installs nothing: a missing tool is named with the package to install, and it exits 2.
# Exit status: 0 all passed, 1 a check failed, 2 a tool is missing.
#
# The PostgreSQL server check needs a server at 127.0.0.1:5432 that admits the postgres user
# without a password. Without one it is skipped (and says so), except under CI=true or
# RAMPART_VALIDATE_POSTGRES=required, where a missing server fails the run.
set -euo pipefail

KIT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$KIT")"
readonly KIT REPO
WORK="$(mktemp -d)"
readonly WORK
# nginx workers (nobody) and postgres read files in here.
chmod 0755 "$WORK"
trap 'rm -rf "$WORK"' EXIT
started=$SECONDS

# --- Tools ---------------------------------------------------------------------------------------

missing=()
need() {
  local tool="$1" package="$2"
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool (apt-get install $package)")
}
need shellcheck shellcheck
need nginx nginx
need openssl openssl
need curl curl
need systemd-analyze systemd
need psql postgresql-client
need node 'Node.js 24: source scripts/node24.sh'
PG_BIN="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
[ -x "${PG_BIN:-/nonexistent}/initdb" ] || missing+=("initdb and postgres (apt-get install postgresql)")
if [ "${#missing[@]}" -gt 0 ]; then
  printf 'validate: missing tools, install them first:\n' >&2
  printf '  %s\n' "${missing[@]}" >&2
  exit 2
fi

# --- Running checks ------------------------------------------------------------------------------

passed=0
failed=0
skipped=()

# Runs one check in a subshell with errexit on, so its first failing command fails it; prints its
# output only when it fails. A check skips itself by exiting 77 (automake's "skipped"; psql takes
# 3) after printing why. A check's EXIT trap (set inside its subshell) cleans up what that check
# started, and must not fail itself.
check() {
  local name="$1" function="$2" log="$WORK/check.log" status started_at=$SECONDS
  set +e
  (
    set -e
    "$function"
  ) >"$log" 2>&1
  status=$?
  set -e
  if [ "$status" -eq 0 ]; then
    passed=$((passed + 1))
    printf 'PASS  %s (%ss)\n' "$name" "$((SECONDS - started_at))"
    grep '^note: ' "$log" | sed 's/^/      /' || true
  elif [ "$status" -eq 77 ]; then
    skipped+=("$name")
    printf 'SKIP  %s: %s\n' "$name" "$(tail -n 1 "$log")"
  else
    failed=$((failed + 1))
    printf 'FAIL  %s\n' "$name"
    sed 's/^/      /' "$log"
  fi
}

fail() {
  printf '%s\n' "$*" >&2
  exit 1
}

# Every shell script of the kit: *.sh and any file with a bash or sh shebang.
scripts() {
  find "$KIT" -type f -print0 | sort -z | while IFS= read -r -d '' file; do
    case "$file" in
      *.sh) printf '%s\n' "$file" ;;
      *) if head -n 1 "$file" | grep -Eq '^#!.*\b(ba)?sh\b'; then printf '%s\n' "$file"; fi ;;
    esac
  done
}

check_shell_syntax() {
  local file count=0
  while IFS= read -r file; do
    bash -n "$file" || fail "bash -n: $file"
    count=$((count + 1))
  done < <(scripts)
  [ "$count" -gt 0 ] || fail "no scripts found under $KIT"
  printf 'note: %s scripts\n' "$count"
}

check_shellcheck() {
  local files=()
  mapfile -t files < <(scripts)
  (cd "$REPO" && shellcheck -x "${files[@]}")
}

# --- nginx ---------------------------------------------------------------------------------------

# A self-signed certificate for rampart.test, with or without an OCSP responder URL (an address, so
# nginx needs no DNS to accept it).
make_certificate() {
  local dir="$1" ocsp="$2" extra=()
  mkdir -p "$dir"
  if [ "$ocsp" = with-ocsp ]; then extra=(-addext 'authorityInfoAccess=OCSP;URI:http://127.0.0.1:9/'); fi
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=rampart.test -addext 'subjectAltName=DNS:rampart.test' "${extra[@]}" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
}

# A throwaway nginx prefix whose nginx.conf includes the given site; logs, pid and temporary
# files all stay inside it.
make_nginx_prefix() {
  local prefix="$1" site="$2"
  mkdir -p "$prefix/logs" "$prefix/temp"
  chmod 0777 "$prefix/temp"
  # The http-level TLS lines are Debian's nginx.conf's, so the site is tested against the
  # defaults it must override on a real server.
  cat >"$prefix/nginx.conf" <<EOF
pid $prefix/nginx.pid;
error_log $prefix/logs/error.log;
events { worker_connections 256; }
http {
  ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
  ssl_prefer_server_ciphers on;
  access_log off;
  client_body_temp_path $prefix/temp/body;
  proxy_temp_path $prefix/temp/proxy;
  fastcgi_temp_path $prefix/temp/fastcgi;
  uwsgi_temp_path $prefix/temp/uwsgi;
  scgi_temp_path $prefix/temp/scgi;
  include $site;
}
EOF
}

# Moves a rendered site's ports (80, 443, and Rampart's 8000) to spare ones: they are not ours to
# take on a build machine, and below 1024 only root may. Nothing else in the site changes.
move_ports() {
  local site="$1" http="$2" https="$3" upstream="$4"
  sed -i -e "s/listen 80\b/listen $http/; s/listen \[::\]:80\b/listen [::]:$http/" \
    -e "s/listen 443\b/listen $https/; s/listen \[::\]:443\b/listen [::]:$https/" \
    -e "s/server 127.0.0.1:8000;/server 127.0.0.1:$upstream;/" "$site"
  if [ ! -f /proc/net/if_inet6 ]; then sed -i '/listen \[::\]/d' "$site"; fi
}

nginx_test() {
  local prefix="$1" output
  output="$(nginx -t -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log" 2>&1)" ||
    fail "nginx -t failed:"$'\n'"$output"
  # A warning today is tomorrow's surprise on a server: none are accepted.
  if grep -q '\[warn\]' <<<"$output"; then fail "nginx -t warned:"$'\n'"$output"; fi
}

check_nginx_config() {
  local ocsp variant dir
  for variant in without-ocsp with-ocsp; do
    dir="$WORK/nginx-$variant"
    make_certificate "$dir" "$variant"
    mkdir -p "$dir/acme" "$dir/logs"
    bash "$KIT/nginx/render.sh" --domain rampart.test --cert "$dir/cert.pem" --key "$dir/key.pem" \
      --acme-root "$dir/acme" --log-dir "$dir/logs" --resolver 127.0.0.1 --output "$dir/site.conf"
    ocsp="$(awk '$1 == "ssl_stapling" { print $2 }' "$dir/site.conf")"
    [ "$ocsp" = "$([ "$variant" = with-ocsp ] && echo 'on;' || echo 'off;')" ] ||
      fail "render.sh --ocsp auto chose stapling $ocsp for a certificate $variant"
    # nginx -t binds the ports it would listen on (a port in use is fine, a forbidden one is not).
    if [ "$(id -u)" -ne 0 ]; then move_ports "$dir/site.conf" "$(free_port)" "$(free_port)" 8000; fi
    make_nginx_prefix "$dir" "$dir/site.conf"
    nginx_test "$dir"
  done
  # render.sh refuses what would become nginx syntax.
  if bash "$KIT/nginx/render.sh" --domain 'rampart.test;evil' --cert /x --key /y --ocsp off >/dev/null 2>&1; then
    fail "render.sh accepted a domain containing ';'"
  fi
  if bash "$KIT/nginx/render.sh" --domain rampart.test --cert '/x y' --key /y --ocsp off >/dev/null 2>&1; then
    fail "render.sh accepted a path containing a space"
  fi
  printf 'note: stapling off and on both pass nginx -t without warnings\n'
}

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  fail "no free port found"
}

# Serves the rendered site on spare ports in front of a stub of Rampart, and checks what a client
# and Rampart each see.
check_nginx_behaviour() {
  local dir="$WORK/nginx-smoke" http https upstream
  http="$(free_port)"
  https="$(free_port)"
  upstream="$(free_port)"
  make_certificate "$dir" without-ocsp
  mkdir -p "$dir/acme/.well-known/acme-challenge" "$dir/logs"
  chmod -R a+rX "$dir/acme"
  printf 'token-123\n' >"$dir/acme/.well-known/acme-challenge/token-123"
  bash "$KIT/nginx/render.sh" --domain rampart.test --cert "$dir/cert.pem" --key "$dir/key.pem" \
    --acme-root "$dir/acme" --log-dir "$dir/logs" --resolver 127.0.0.1 --output "$dir/site.conf"
  move_ports "$dir/site.conf" "$http" "$https" "$upstream"
  make_nginx_prefix "$dir" "$dir/site.conf"

  # The stub answers every request with the headers it received, and records the paths.
  cat >"$dir/upstream.mjs" <<'EOF'
import { createServer } from 'node:http';
import { appendFileSync } from 'node:fs';
const [port, log] = process.argv.slice(2);
createServer((request, response) => {
  let bytes = 0;
  request.on('data', (chunk) => { bytes += chunk.length; });
  request.on('end', () => {
    appendFileSync(log, `${request.method} ${request.url}\n`);
    const headers = { 'content-type': 'application/json' };
    if (request.url.startsWith('/own-headers')) {
      headers['x-frame-options'] = 'SAMEORIGIN';
      headers['strict-transport-security'] = 'max-age=60';
    }
    response.writeHead(200, headers);
    response.end(JSON.stringify({ headers: request.headers, bytes }));
  });
}).listen(Number(port), '127.0.0.1');
EOF
  node "$dir/upstream.mjs" "$upstream" "$dir/upstream.log" &
  local stub=$!
  nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" -g 'daemon off;' &
  local server=$!
  # Stopped and reaped whatever happens next.
  # shellcheck disable=SC2064 # the process ids are meant to be expanded now
  trap "kill $server $stub 2>/dev/null; wait $server $stub 2>/dev/null || true" EXIT
  for _ in $(seq 1 50); do
    if curl -s -o /dev/null "http://127.0.0.1:$http/" 2>/dev/null || [ "$?" -eq 52 ]; then break; fi
    sleep 0.1
  done
  for _ in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$upstream") 2>/dev/null; then break; fi
    sleep 0.1
  done

  local c=(curl --silent --show-error --max-time 10 --resolve "rampart.test:$http:127.0.0.1"
    --resolve "rampart.test:$https:127.0.0.1" --cacert "$dir/cert.pem")
  local base="https://rampart.test:$https" out status

  # HTTP: the ACME challenge is served, everything else redirects to the domain over HTTPS.
  out="$("${c[@]}" -o /dev/null -w '%{http_code} %{redirect_url}' "http://rampart.test:$http/sep12/customer?x=1")"
  [ "$out" = "301 https://rampart.test/sep12/customer?x=1" ] || fail "HTTP: expected a 301 to https, got: $out"
  out="$("${c[@]}" "http://rampart.test:$http/.well-known/acme-challenge/token-123")"
  [ "$out" = token-123 ] || fail "HTTP: the ACME challenge file was not served, got: $out"
  # Other names: no answer on HTTP, no handshake on HTTPS.
  status=0
  curl --silent --max-time 5 -o /dev/null -H 'Host: evil.test' "http://127.0.0.1:$http/" || status=$?
  [ "$status" -eq 52 ] || fail "HTTP: an unknown Host got an answer (curl exit $status, expected 52)"
  status=0
  curl --silent --max-time 5 -o /dev/null --insecure "https://127.0.0.1:$https/" || status=$?
  [ "$status" -eq 35 ] || fail "HTTPS: an unknown name got a TLS handshake (curl exit $status, expected 35)"

  # TLS 1.2 and 1.3 both work.
  for version in 1.2 1.3; do
    out="$("${c[@]}" --tlsv"$version" --tls-max "$version" -o /dev/null -w '%{http_code}' "$base/info")"
    [ "$out" = 200 ] || fail "TLS $version: got $out"
  done

  # What Rampart sees: nginx's view of the client, not the client's claims.
  out="$("${c[@]}" -H 'X-Forwarded-For: 6.6.6.6' "$base/info?token=secret-in-query")"
  grep -q '"x-forwarded-for":"127.0.0.1"' <<<"$out" || fail "X-Forwarded-For was not set to the client address: $out"
  grep -q '"x-forwarded-proto":"https"' <<<"$out" || fail "no X-Forwarded-Proto https: $out"
  grep -q '"x-forwarded-host":"rampart.test"' <<<"$out" || fail "no X-Forwarded-Host: $out"
  grep -Eq '"x-request-id":"[0-9a-f]{32}"' <<<"$out" || fail "no generated X-Request-Id: $out"
  out="$("${c[@]}" -H 'X-Request-Id: wallet-trace-1' "$base/info")"
  grep -q '"x-request-id":"wallet-trace-1"' <<<"$out" || fail "the caller's X-Request-Id was not kept: $out"
  if grep -q 'secret-in-query' "$dir/logs/rampart.access.log"; then fail "the access log holds a query string"; fi

  # Security headers: exactly one of each; nginx's only when Rampart sent none.
  out="$("${c[@]}" -o /dev/null -D - "$base/info" | tr -d '\r' | tr '[:upper:]' '[:lower:]')"
  for header in 'strict-transport-security: max-age=63072000; includesubdomains' \
    'x-content-type-options: nosniff' 'x-frame-options: deny' 'referrer-policy: no-referrer'; do
    [ "$(grep -cxF "$header" <<<"$out")" -eq 1 ] || fail "expected one \"$header\", got:"$'\n'"$out"
  done
  grep -q '^server: nginx$' <<<"$out" || fail "server_tokens: the nginx version is shown:"$'\n'"$out"
  out="$("${c[@]}" -o /dev/null -D - "$base/own-headers" | tr -d '\r' | tr '[:upper:]' '[:lower:]')"
  if [ "$(grep -c '^x-frame-options:' <<<"$out")" -ne 1 ] || ! grep -qx 'x-frame-options: sameorigin' <<<"$out"; then
    fail "Rampart's own X-Frame-Options was not the only one:"$'\n'"$out"
  fi
  grep -qx 'strict-transport-security: max-age=60' <<<"$out" || fail "Rampart's own HSTS was replaced:"$'\n'"$out"

  # /metrics never reaches Rampart; stellar.toml does.
  out="$("${c[@]}" -o /dev/null -w '%{http_code}' "$base/metrics")"
  [ "$out" = 404 ] || fail "/metrics answered $out, expected 404"
  "${c[@]}" -o /dev/null "$base/.well-known/stellar.toml"
  if grep -q '/metrics' "$dir/upstream.log"; then fail "/metrics was passed to Rampart"; fi
  grep -q '^GET /.well-known/stellar.toml$' "$dir/upstream.log" || fail "stellar.toml was not passed to Rampart"

  # Body limits: 1 MiB in general, 16 MiB for SEP-12 uploads; nginx's refusals are JSON.
  head -c 2000000 /dev/zero >"$dir/2mb"
  head -c 10000000 /dev/zero >"$dir/10mb"
  head -c 17000000 /dev/zero >"$dir/17mb"
  out="$("${c[@]}" -X POST --data-binary @"$dir/2mb" -w ' %{http_code} %{content_type}' "$base/auth" | tr -d '\n')"
  [ "$out" = '{"error":"request body too large"} 413 application/json' ] || fail "2 MB to /auth: $out"
  out="$("${c[@]}" -X PUT --data-binary @"$dir/10mb" "$base/sep12/customer")"
  grep -q '"bytes":10000000' <<<"$out" || fail "10 MB to /sep12/customer did not reach Rampart whole: ${out:0:200}"
  out="$("${c[@]}" -X PUT --data-binary @"$dir/17mb" -o /dev/null -w '%{http_code}' "$base/sep12/customer")"
  [ "$out" = 413 ] || fail "17 MB to /sep12/customer: $out, expected 413"

  # The flood limit, from an address that is not exempt (127.0.0.1 is, for local monitoring):
  # 20/s with a burst of 100, so of 160 quick requests some must be refused, as JSON, and logged
  # where fail2ban's nginx-limit-req filter looks.
  local urls=()
  for _ in $(seq 1 160); do urls+=("$base/info"); done
  out="$("${c[@]}" --interface 127.0.0.2 -w '\n%{http_code}\n' "${urls[@]}")"
  grep -qx 429 <<<"$out" || fail "the rate limit never answered 429: $(sort <<<"$out" | uniq -c | sort -rn | head -n 3)"
  grep -qxF '{"error":"too many requests; slow down"}' <<<"$out" || fail "a refused request did not get the JSON error"
  grep -Eq 'limiting requests, excess: [0-9.]+ by zone "rampart_api", client: 127\.0\.0\.2,' "$dir/logs/rampart.error.log" ||
    fail "no 'limiting requests' line for fail2ban in the error log"

  # Rampart down: a JSON 502, not nginx's HTML page.
  kill "$stub"
  wait "$stub" 2>/dev/null || true
  out="$("${c[@]}" -w ' %{http_code}' "$base/info" | tr -d '\n')"
  [ "$out" = '{"error":"service unavailable; retry shortly"} 502' ] || fail "with Rampart down: $out"
  printf 'note: redirect, ACME, unknown names, TLS 1.2/1.3, forwarded headers, request ids, security headers, /metrics, body limits, rate limit, JSON errors\n'
}

# --- systemd -------------------------------------------------------------------------------------

check_systemd_verify() {
  # systemd-analyze verify checks that ExecStart= programs exist and are executable, and the
  # units' real paths (/opt/rampart/...) do not exist on a build machine. --root points it at a
  # scratch tree: the distribution's units (for sysinit.target and friends), ours, and an empty
  # executable at each Exec*= path. The unit files themselves are verified unchanged.
  local root="$WORK/systemd-root" unit path units=()
  mkdir -p "$root/etc/systemd/system" "$root/usr/lib/systemd"
  cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
  cp "$KIT"/systemd/*.service "$KIT"/systemd/*.timer "$root/etc/systemd/system/"
  while read -r path; do
    mkdir -p "$root$(dirname "$path")"
    printf '#!/bin/sh\nexit 0\n' >"$root$path"
    chmod 0755 "$root$path"
  done < <(sed -n 's/^Exec[A-Za-z]*=[-@:+!|]*\([^ ]*\).*/\1/p' "$KIT"/systemd/*.service | sort -u)
  for unit in "$KIT"/systemd/*.service "$KIT"/systemd/*.timer; do
    units+=("/etc/systemd/system/$(basename "$unit")")
  done
  local output
  output="$(systemd-analyze verify --man=no --root="$root" "${units[@]}" 2>&1)" ||
    fail "systemd-analyze verify failed:"$'\n'"$output"
  # It exits 0 on unknown keys and similar mistakes, printing them: any output is a failure.
  [ -z "$output" ] || fail "systemd-analyze verify reported:"$'\n'"$output"

  # The exposure score systemd computes from the hardening settings; 2.0 is well inside "OK".
  local score
  for unit in "$KIT"/systemd/*.service; do
    output="$(systemd-analyze security --offline=yes --root="$root" --threshold=20 \
      "/etc/systemd/system/$(basename "$unit")" 2>&1)" ||
      fail "$(basename "$unit"): exposure above 2.0:"$'\n'"$(grep -E '^✗|Overall' <<<"$output")"
    score="$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$output")"
    printf 'note: %s exposure %s\n' "$(basename "$unit")" "$score"
  done
}

# A unit's value for KEY (the last assignment wins, as in systemd; drop-ins are not involved here).
unit_value() {
  awk -F= -v key="$2" '$1 == key { sub(/^[^=]*=/, ""); value = $0; found = 1 } END { if (found) print value; else exit 1 }' "$1"
}

check_systemd_policy() {
  local unit name value problems=()
  # What every service unit must say: rampart doctor checks the two long-running ones on servers.
  local required=(
    'User=rampart' 'Group=rampart' 'Environment=NODE_ENV=production' 'EnvironmentFile=/etc/rampart/rampart.env'
    'StandardOutput=journal' 'StandardError=journal' 'ReadWritePaths=/var/lib/rampart'
    'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'PrivateDevices=yes'
    'ProtectKernelTunables=yes' 'ProtectKernelModules=yes' 'ProtectKernelLogs=yes' 'ProtectControlGroups=yes'
    'RestrictNamespaces=yes' 'RestrictSUIDSGID=yes' 'LockPersonality=yes' 'MemoryDenyWriteExecute=no'
    'SystemCallArchitectures=native' 'CapabilityBoundingSet=' 'AmbientCapabilities=' 'UMask=0077'
  )
  local shutdown_ms
  shutdown_ms="$(sed -n 's/^SHUTDOWN_TIMEOUT_MS=//p' "$KIT/rampart.env.template")"
  for unit in "$KIT"/systemd/*.service; do
    name="$(basename "$unit")"
    for value in "${required[@]}"; do
      grep -qxF "$value" "$unit" || problems+=("$name: no $value")
    done
    grep -q '^MemoryMax=[0-9]' "$unit" || problems+=("$name: no MemoryMax=")
    grep -q '^ExecStart=/opt/rampart/.node/bin/node --max-old-space-size=[0-9]* /opt/rampart/dist/src/cli/main.js ' "$unit" ||
      problems+=("$name: ExecStart= is not /opt/rampart's node running dist/src/cli/main.js")
    # Only /var/lib/rampart is writable, except node_exporter's textfile folder for the backup
    # metrics of the two backup units.
    while read -r value; do
      case "$name:$value" in
        *:/var/lib/rampart | rampart-backup.service:-/var/lib/prometheus/node-exporter | rampart-restore-verify.service:-/var/lib/prometheus/node-exporter) ;;
        *) problems+=("$name: ReadWritePaths=$value") ;;
      esac
    done < <(sed -n 's/^ReadWritePaths=//p' "$unit")
    grep -q '^Restart=on-failure$' "$unit" || [ "$name" = rampart-migrate.service ] || problems+=("$name: no Restart=on-failure")
  done
  for name in rampart.service rampart-worker.service; do
    unit="$KIT/systemd/$name"
    for value in 'Type=exec' 'Restart=on-failure' 'RestartPreventExitStatus=78' 'WantedBy=multi-user.target' \
      'Requires=rampart-migrate.service' 'After=rampart-migrate.service' \
      'Wants=network-online.target postgresql.service redis-server.service' \
      'After=network-online.target postgresql.service redis-server.service'; do
      grep -qxF "$value" "$unit" || problems+=("$name: no $value")
    done
    grep -q '^StartLimitIntervalSec=[0-9]' "$unit" || problems+=("$name: no StartLimitIntervalSec=")
    grep -q '^StartLimitBurst=[0-9]' "$unit" || problems+=("$name: no StartLimitBurst=")
    # Rampart exits by itself SHUTDOWN_TIMEOUT_MS + 1 s after SIGTERM; systemd must wait longer.
    value="$(unit_value "$unit" TimeoutStopSec | tr -d 's')"
    [ "$((value * 1000))" -gt "$((shutdown_ms + 1000))" ] ||
      problems+=("$name: TimeoutStopSec=${value}s is not above SHUTDOWN_TIMEOUT_MS ($shutdown_ms ms) + 1 s")
  done
  grep -qxF 'Type=oneshot' "$KIT/systemd/rampart-migrate.service" || problems+=("rampart-migrate.service: not Type=oneshot")
  grep -q '^ExecStart=.* migrate up$' "$KIT/systemd/rampart-migrate.service" || problems+=("rampart-migrate.service: not migrate up")
  grep -q '^ExecStartPost=.*--file=/opt/rampart/deploy/postgres/grants.sql$' "$KIT/systemd/rampart-migrate.service" ||
    problems+=("rampart-migrate.service: grants.sql is not re-applied after migrating")
  grep -q '^ExecStart=.* backup$' "$KIT/systemd/rampart-backup.service" || problems+=("rampart-backup.service: not rampart backup")
  grep -q '^ExecStart=.* restore --verify latest$' "$KIT/systemd/rampart-restore-verify.service" ||
    problems+=("rampart-restore-verify.service: not rampart restore --verify latest")
  for unit in "$KIT"/systemd/*.timer; do
    name="$(basename "$unit")"
    for value in 'Persistent=true' 'WantedBy=timers.target'; do
      grep -qxF "$value" "$unit" || problems+=("$name: no $value")
    done
    grep -q '^RandomizedDelaySec=' "$unit" || problems+=("$name: no RandomizedDelaySec=")
    [ -f "${unit%.timer}.service" ] || problems+=("$name: no matching service")
  done
  grep -qxF 'OnCalendar=*-*-* 01:30:00' "$KIT/systemd/rampart-backup.timer" || problems+=("rampart-backup.timer: not daily")
  grep -q '^OnCalendar=Sun ' "$KIT/systemd/rampart-restore-verify.timer" || problems+=("rampart-restore-verify.timer: not weekly")
  if [ "${#problems[@]}" -gt 0 ]; then printf '%s\n' "${problems[@]}"; exit 1; fi
}

# --- PostgreSQL ----------------------------------------------------------------------------------

# Runs a command as the postgres OS user when we are root (PostgreSQL refuses to run as root).
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The configuration snippet and pg_hba rules, read by a scratch cluster of the installed server.
check_postgres_config() {
  local dir="$WORK/pg-config" data port
  data="$dir/data"
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
  as_postgres "$PG_BIN/initdb" --pgdata="$data" --username=postgres --auth=trust --no-sync >/dev/null
  as_postgres tee "$dir/rampart.conf" <"$KIT/postgres/postgresql.conf.d/rampart.conf" >/dev/null
  printf "include '%s'\n" "$dir/rampart.conf" | as_postgres tee -a "$data/postgresql.conf" >/dev/null
  # Trust for this test's own connection first, then the snippet exactly as servers get it.
  { printf 'local all all trust\n'; cat "$KIT/postgres/pg_hba.conf.snippet"; } | as_postgres tee "$data/pg_hba.conf" >/dev/null

  # postgres -C parses every configuration file and fails on an unknown setting or a bad value.
  local setting expected value
  for setting in listen_addresses=localhost max_connections=50 password_encryption=scram-sha-256 \
    shared_preload_libraries=pg_stat_statements wal_level=replica \
    log_min_duration_statement=500 log_lock_waits=on; do
    expected="${setting#*=}"
    value="$(as_postgres "$PG_BIN/postgres" -D "$data" -C "${setting%%=*}")" ||
      fail "postgres -C ${setting%%=*}: the configuration does not parse"
    [ "$value" = "$expected" ] || fail "${setting%%=*} is $value, expected $expected"
  done

  # deploy/pgbackrest/archive.conf switches archiving on from the same conf.d/, read before this
  # file: setting archive_mode or archive_command here would switch it off again, silently.
  if grep -Eq '^[[:space:]]*archive_(mode|command)[[:space:]]*=' "$KIT/postgres/postgresql.conf.d/rampart.conf"; then
    fail "postgresql.conf.d/rampart.conf sets archive_mode or archive_command, which would override pgbackrest/archive.conf"
  fi

  # Started for real (on a private socket only), so extension settings and pg_hba are checked too.
  port="$(free_port)"
  as_postgres "$PG_BIN/pg_ctl" --pgdata="$data" --silent --wait --log="$dir/server.log" \
    -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c port=$port" start ||
    fail "the scratch server did not start with the configuration:"$'\n'"$(cat "$dir/server.log")"
  # shellcheck disable=SC2064 # the data directory is meant to be expanded now
  trap "as_postgres '$PG_BIN/pg_ctl' --pgdata='$data' --silent --mode=immediate stop || true" EXIT
  local q=(psql --no-psqlrc --tuples-only --no-align --host="$dir" --port="$port" --username=postgres --dbname=postgres)
  # Settings given on pg_ctl's command line above outrank the file: those are not errors.
  local overridden="name not in ('listen_addresses', 'port', 'unix_socket_directories')"
  value="$(as_postgres "${q[@]}" --command="select count(*) from pg_file_settings where error is not null and $overridden")"
  [ "$value" = 0 ] || fail "pg_file_settings reports errors: $(as_postgres "${q[@]}" --command="select * from pg_file_settings where error is not null and $overridden")"
  value="$(as_postgres "${q[@]}" --command="select count(*) from pg_hba_file_rules where error is not null")"
  [ "$value" = 0 ] || fail "pg_hba_file_rules reports errors: $(as_postgres "${q[@]}" --command='select * from pg_hba_file_rules where error is not null')"
  # Every rule of the snippet: scram-sha-256 over the loopback, or peer for postgres on the socket.
  value="$(as_postgres "${q[@]}" --command="select count(*) from pg_hba_file_rules where line_number > 1 and not (
      (type = 'host' and auth_method = 'scram-sha-256' and address in ('127.0.0.1', '::1')
        and netmask in ('255.255.255.255', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'))
      or (type = 'local' and auth_method = 'peer' and user_name = '{postgres}'))")"
  [ "$value" = 0 ] || fail "pg_hba.conf.snippet has a rule that is not scram-sha-256 on the loopback or peer for postgres"
  value="$(as_postgres "${q[@]}" --command="show pg_stat_statements.track")"
  [ "$value" = all ] || fail "pg_stat_statements.track is $value (is the library preloaded?)"
  printf 'note: PostgreSQL %s parsed the snippet (postgres -C), started with it, pg_file_settings and pg_hba_file_rules clean\n' \
    "$("$PG_BIN/postgres" --version | awk '{ print $3 }')"
}

# setup.sh, grants.sql and autovacuum.sql against the local server, in scratch names.
check_postgres_privileges() {
  export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres
  if ! psql --no-psqlrc --dbname=postgres --command='select 1' >/dev/null 2>&1; then
    if [ "${CI:-}" = true ] || [ "${RAMPART_VALIDATE_POSTGRES:-}" = required ]; then
      fail "no PostgreSQL at 127.0.0.1:5432 admitting postgres without a password (required under CI=true)"
    fi
    echo "no PostgreSQL at 127.0.0.1:5432 admitting postgres without a password"
    exit 77
  fi
  local suffix database owner app
  suffix="$(date +%s)_$$"
  database="rampart_validate_$suffix"
  owner="rampart_validate_owner_$suffix"
  app="rampart_validate_app_$suffix"
  # shellcheck disable=SC2064 # the names are meant to be expanded now
  trap "psql --no-psqlrc --quiet --dbname=postgres --command='drop database if exists $database with (force)' \
      --command='drop role if exists $app' --command='drop role if exists $owner' >/dev/null 2>&1 || true" EXIT

  local credentials="$WORK/db-credentials"
  bash "$KIT/postgres/setup.sh" --database "$database" --owner-role "$owner" --app-role "$app" \
    --credentials-file "$credentials" >/dev/null
  [ "$(stat -c %a "$credentials")" = 600 ] || fail "the credentials file is not 0600"
  local before
  before="$(sha256sum <"$credentials")"
  bash "$KIT/postgres/setup.sh" --database "$database" --owner-role "$owner" --app-role "$app" \
    --credentials-file "$credentials" >/dev/null
  [ "$(sha256sum <"$credentials")" = "$before" ] || fail "a second setup.sh run changed the passwords"

  local owner_password app_password
  owner_password="$(sed -n 's/^RAMPART_DB_OWNER_PASSWORD=//p' "$credentials")"
  app_password="$(sed -n 's/^RAMPART_DB_APP_PASSWORD=//p' "$credentials")"
  if [ "${#owner_password}" -lt 32 ] || [ "${#app_password}" -lt 32 ]; then
    fail "generated passwords are shorter than 32 characters"
  fi
  as_owner() { PGUSER="$owner" PGPASSWORD="$owner_password" psql --no-psqlrc --quiet --set=ON_ERROR_STOP=1 --dbname="$database" "$@"; }
  as_admin() { psql --no-psqlrc --quiet --tuples-only --no-align --set=ON_ERROR_STOP=1 --dbname="$database" "$@"; }

  # The schema: Rampart's real migrations when it is built, as rampart-migrate.service runs them;
  # otherwise stand-ins with the audit tables' names and the append-only trigger.
  local schema
  if [ -f "$REPO/dist/src/cli/main.js" ]; then
    schema='the real migrations'
    (cd "$WORK" && DATABASE_URL="postgres://$owner:$owner_password@127.0.0.1:5432/$database" NODE_ENV=production \
      node "$REPO/dist/src/cli/main.js" migrate up >/dev/null)
  else
    schema='stand-in tables (Rampart is not built: npm run build runs the real migrations here)'
    as_owner <<'SQL'
create function rampart_forbid_change() returns trigger language plpgsql as $$
begin raise exception '% is append-only', tg_table_name; end $$;
create table schema_migrations (version integer primary key, name text not null, checksum text not null);
create table jobs (id bigint generated always as identity primary key, state text not null);
create table transactions (id bigint generated always as identity primary key, status text not null);
create table transaction_events (id bigint generated always as identity primary key, reason text);
create table ledger_journals (id bigint generated always as identity primary key, reference text);
create table ledger_postings (id bigint generated always as identity primary key, amount_minor numeric);
create table customer_events (id bigint generated always as identity primary key, kind text);
create table stellar_submission_envelopes (id bigint generated always as identity primary key, hash text);
SQL
  fi
  local grants=(--set=owner_role="$owner" --set=app_role="$app" --file="$KIT/postgres/grants.sql")
  # As rampart-migrate.service does: the owner, not a superuser, applies both files.
  as_owner "${grants[@]}"
  as_owner --file="$KIT/postgres/autovacuum.sql"

  # What the application role may do, table by table: r(ead) a(ppend) w(rite: update) d(elete)
  # t(runcate), as PostgreSQL itself answers it.
  local expected=(
    transaction_events:ra--- ledger_journals:ra--- ledger_postings:ra--- customer_events:ra---
    stellar_submission_envelopes:ra--- jobs:rawd- transactions:rawd- schema_migrations:r----
  )
  if [ "$schema" = 'the real migrations' ]; then expected+=(signoffs:ra--- customers:rawd- quotes:rawd-); fi
  local entry table value
  for entry in "${expected[@]}"; do
    table="${entry%%:*}"
    if ! value="$(as_admin --command="select
        case when has_table_privilege('$app', 'public.$table', 'SELECT') then 'r' else '-' end ||
        case when has_table_privilege('$app', 'public.$table', 'INSERT') then 'a' else '-' end ||
        case when has_table_privilege('$app', 'public.$table', 'UPDATE') then 'w' else '-' end ||
        case when has_table_privilege('$app', 'public.$table', 'DELETE') then 'd' else '-' end ||
        case when has_table_privilege('$app', 'public.$table', 'TRUNCATE') then 't' else '-' end")"; then
      fail "cannot read the privileges on $table"
    fi
    [ "$table:$value" = "$entry" ] || fail "$table: the application role may $value, expected ${entry#*:} (r read, a insert, w update, d delete, t truncate)"
  done
  local audit=(transaction_events ledger_journals ledger_postings customer_events stellar_submission_envelopes)
  for table in "${audit[@]}"; do
    # Not only on paper: the statement itself is refused (checked before any row is touched).
    value="$(as_admin --command="set role $app" --command="do \$\$ begin
        delete from public.$table where false; raise exception 'allowed';
      exception when insufficient_privilege then null; end \$\$" --command="select 'refused'" 2>&1)" ||
      fail "$table: DELETE by the application role was not refused: $value"
  done
  value="$(as_admin --command="select has_schema_privilege('$app', 'public', 'CREATE')::text || has_database_privilege('$app', current_database(), 'CREATE')::text")"
  [ "$value" = falsefalse ] || fail "the application role may create objects"
  value="$(as_admin --command="select rolsuper or rolcreatedb or rolcreaterole or rolreplication or rolbypassrls from pg_roles where rolname = '$app'")"
  [ "$value" = f ] || fail "the application role has a privileged attribute"
  value="$(as_admin --command="select reloptions::text from pg_class where oid = 'public.jobs'::regclass")"
  grep -q 'autovacuum_vacuum_scale_factor=0.01' <<<"$value" || fail "autovacuum.sql did not tune jobs: $value"
  PGUSER="$app" PGPASSWORD="$app_password" psql --no-psqlrc --quiet --dbname="$database" --command='select 1' >/dev/null ||
    fail "the application role cannot connect with its password"

  # A later migration: default privileges cover its plain table at once; its audit table is
  # writable until grants.sql runs again, and not after.
  as_owner --command='create table later_things (id integer)' \
    --command='create table later_events (id integer)' \
    --command='create trigger later_events_append_only before update or delete on later_events for each row execute function rampart_forbid_change()'
  value="$(as_admin --command="select has_table_privilege('$app', 'public.later_things', 'UPDATE')")"
  [ "$value" = t ] || fail "default privileges did not give the application role DML on a new table"
  as_owner "${grants[@]}"
  value="$(as_admin --command="select has_table_privilege('$app', 'public.later_events', 'UPDATE')::text || has_table_privilege('$app', 'public.later_events', 'INSERT')::text")"
  [ "$value" = falsetrue ] || fail "a new append-only table (by its trigger) was not protected by grants.sql: $value"

  # grants.sql's own check catches a privilege it did not grant: UPDATE through PUBLIC.
  as_owner --command='grant update on transaction_events to public'
  if value="$(as_owner "${grants[@]}" 2>&1)"; then fail "grants.sql accepted UPDATE on transaction_events through PUBLIC"; fi
  grep -q 'may still UPDATE, DELETE or TRUNCATE audit table transaction_events' <<<"$value" ||
    fail "grants.sql failed for another reason: $value"
  as_owner --command='revoke update on transaction_events from public'
  as_owner "${grants[@]}"
  printf 'note: schema from %s\n' "$schema"
}

# --- Facts that span files -----------------------------------------------------------------------

check_kit_consistency() {
  local problems=() pinned ours
  # shellcheck disable=SC2016 # the $ is sed's, in node24.sh's text
  pinned="$(sed -n 's/^RAMPART_NODE_VERSION="\${RAMPART_NODE_VERSION:-\([0-9.]*\)}"$/\1/p' "$REPO/scripts/node24.sh")"
  ours="$(sed -n 's/^readonly NODE_VERSION=//p' "$KIT/provision.sh")"
  [ -n "$pinned" ] && [ "$pinned" = "$ours" ] ||
    problems+=("provision.sh installs Node $ours, scripts/node24.sh pins ${pinned:-?}")

  # Every table the migrations make append-only is named in grants.sql (which also finds them by
  # their trigger; the list documents them).
  local table
  while read -r table; do
    grep -q "'$table'" "$KIT/postgres/grants.sql" || problems+=("grants.sql does not name the append-only table $table")
  done < <(sed -n 's/.*create trigger [a-z_]*_append_only before update or delete on \([a-z_]*\).*/\1/p' \
    "$REPO"/src/platform/db/migrations/*.ts | sort -u)

  # Every setting the env template sets or suggests is one Rampart knows (its configuration schema,
  # from which docs/configuration.md is generated).
  local key
  while read -r key; do
    case "$key" in AWS_*) continue ;; esac
    grep -rqF "'$key'" "$REPO/src/config" || problems+=("rampart.env.template sets $key, which src/config does not define")
  done < <(sed -n 's/^#\{0,1\} \{0,1\}\([A-Z][A-Z0-9_]*\)=.*/\1/p' "$KIT/rampart.env.template" | grep -v '^NODE_ENV$' | sort -u)

  # The two halves of the Redis and nginx wiring agree.
  grep -q '^maxmemory-policy noeviction$' "$KIT/redis/rampart.conf" || problems+=("redis/rampart.conf: not noeviction")
  grep -q '^TRUST_PROXY=127.0.0.1$' "$KIT/rampart.env.template" || problems+=("rampart.env.template: TRUST_PROXY is not 127.0.0.1")
  grep -q '^    server 127.0.0.1:8000;$' "$KIT/nginx/rampart.conf" || problems+=("nginx/rampart.conf: upstream is not 127.0.0.1:8000")
  grep -q '^PORT=8000$' "$KIT/rampart.env.template" || problems+=("rampart.env.template: PORT is not 8000")
  if [ "${#problems[@]}" -gt 0 ]; then printf '%s\n' "${problems[@]}"; exit 1; fi
}

printf 'validate: the deploy kit in %s\n' "$KIT"
check 'shell: bash -n' check_shell_syntax
check 'shell: shellcheck -x' check_shellcheck
check 'nginx: nginx -t on the rendered site' check_nginx_config
check 'nginx: the site served, against a stub of Rampart' check_nginx_behaviour
check 'systemd: systemd-analyze verify and security' check_systemd_verify
check 'systemd: settings the kit and rampart doctor rely on' check_systemd_policy
check 'postgres: configuration and pg_hba rules in a scratch cluster' check_postgres_config
check 'postgres: setup.sh, grants.sql, autovacuum.sql on the local server' check_postgres_privileges
check 'kit: facts that span files' check_kit_consistency

printf 'validate: %d passed, %d failed, %d skipped (%ss)\n' "$passed" "$failed" "${#skipped[@]}" "$((SECONDS - started))"
[ "$failed" -eq 0 ]
