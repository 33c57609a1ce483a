#!/usr/bin/env bash
# Renders deploy/nginx/rampart.conf (the nginx site template) for one domain and its certificate.
#
#   deploy/nginx/render.sh --domain anchor.example.com \
#     --cert /etc/letsencrypt/live/anchor.example.com/fullchain.pem \
#     --key  /etc/letsencrypt/live/anchor.example.com/privkey.pem \
#     --chain /etc/letsencrypt/live/anchor.example.com/chain.pem > rampart.conf
#
# deploy/provision.sh calls it (first with the distribution's snakeoil certificate, so nginx can
# serve the ACME challenge, then with the Let's Encrypt one); deploy/validate.sh calls it with a
# throwaway certificate. Every value is checked before it goes into the file: a space or a
# semicolon in a path would otherwise become nginx syntax.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: render.sh --domain NAME --cert FILE --key FILE [options]

  --domain NAME      the public host name (PUBLIC_URL's host), e.g. anchor.example.com
  --cert FILE        certificate with its chain (Let's Encrypt: fullchain.pem)
  --key FILE         its private key (privkey.pem)
  --chain FILE       issuer chain for OCSP stapling (chain.pem); default: --cert
  --acme-root DIR    webroot for ACME challenges; default /var/www/rampart-acme
  --log-dir DIR      where the access and error logs go; default /var/log/nginx
  --resolver "IP.."  DNS servers nginx uses for OCSP; default: the nameservers in /etc/resolv.conf
  --ocsp on|off|auto OCSP stapling; auto (default) turns it on when the certificate names an
                     OCSP responder, which needs --cert to be readable
  --template FILE    default: rampart.conf next to this script
  --output FILE      default: standard output
EOF
}

die() {
  printf 'render.sh: %s\n' "$*" >&2
  exit 2
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
domain=''
cert=''
key=''
chain=''
acme_root='/var/www/rampart-acme'
log_dir='/var/log/nginx'
resolver=''
ocsp='auto'
template="$here/rampart.conf"
output=''

while [ $# -gt 0 ]; do
  case "$1" in
    --domain) domain="${2-}"; shift 2 || die "--domain needs a value" ;;
    --cert) cert="${2-}"; shift 2 || die "--cert needs a value" ;;
    --key) key="${2-}"; shift 2 || die "--key needs a value" ;;
    --chain) chain="${2-}"; shift 2 || die "--chain needs a value" ;;
    --acme-root) acme_root="${2-}"; shift 2 || die "--acme-root needs a value" ;;
    --log-dir) log_dir="${2-}"; shift 2 || die "--log-dir needs a value" ;;
    --resolver) resolver="${2-}"; shift 2 || die "--resolver needs a value" ;;
    --ocsp) ocsp="${2-}"; shift 2 || die "--ocsp needs a value" ;;
    --template) template="${2-}"; shift 2 || die "--template needs a value" ;;
    --output) output="${2-}"; shift 2 || die "--output needs a value" ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

[ -n "$domain" ] || die "--domain is required"
[ -n "$cert" ] || die "--cert is required"
[ -n "$key" ] || die "--key is required"
[ -n "$chain" ] || chain="$cert"

# A DNS name of letters, digits and hyphens (lower case, as nginx compares server_name), at least
# two labels: no wildcard, no IP address, no port.
domain_pattern='^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$'
if ! [[ "$domain" =~ $domain_pattern ]] || [ "${#domain}" -gt 253 ]; then
  die "--domain must be a lower-case DNS name such as anchor.example.com, got: $domain"
fi

# Absolute paths made of characters that are plain words in nginx syntax.
path_pattern='^/[A-Za-z0-9._/@+-]+$'
for pair in "cert:$cert" "key:$key" "chain:$chain" "acme-root:$acme_root" "log-dir:$log_dir"; do
  name="${pair%%:*}"
  value="${pair#*:}"
  [[ "$value" =~ $path_pattern ]] || die "--$name must be an absolute path of letters, digits and ._/@+- only, got: $value"
done

if [ -z "$resolver" ]; then
  # nginx has no system resolver for OCSP lookups: use the host's. IPv6 addresses need brackets.
  resolver="$(awk '$1 == "nameserver" { print ($2 ~ /:/ ? "[" $2 "]" : $2) }' /etc/resolv.conf 2>/dev/null |
    head -n 3 | paste -sd ' ' -)"
  [ -n "$resolver" ] || die "no nameserver in /etc/resolv.conf: pass --resolver"
fi
resolver_pattern='^(\[[0-9a-fA-F:.]+\]|[0-9.]+|[a-z0-9.-]+)( (\[[0-9a-fA-F:.]+\]|[0-9.]+|[a-z0-9.-]+))*$'
[[ "$resolver" =~ $resolver_pattern ]] || die "--resolver must be addresses separated by spaces, got: $resolver"

case "$ocsp" in
  on | off) ;;
  auto)
    [ -r "$cert" ] || die "--ocsp auto reads the certificate, and $cert is not readable: pass --ocsp on or off"
    command -v openssl >/dev/null 2>&1 || die "--ocsp auto needs openssl: pass --ocsp on or off"
    if [ -n "$(openssl x509 -in "$cert" -noout -ocsp_uri 2>/dev/null)" ]; then ocsp=on; else ocsp=off; fi
    ;;
  *) die "--ocsp must be on, off or auto, got: $ocsp" ;;
esac

[ -r "$template" ] || die "cannot read the template $template"
site="$(cat "$template")"
# Replacements are quoted: bash 5.2 would otherwise read & in a value as "the matched text".
site="${site//__DOMAIN__/"$domain"}"
site="${site//__CERT_KEY__/"$key"}"
site="${site//__CERT_CHAIN__/"$chain"}"
site="${site//__CERT__/"$cert"}"
site="${site//__ACME_ROOT__/"$acme_root"}"
site="${site//__LOG_DIR__/"$log_dir"}"
site="${site//__RESOLVER__/"$resolver"}"
site="${site//__OCSP_STAPLING__/"$ocsp"}"

# A placeholder left over means the template gained one this script does not know: refuse rather
# than install a site nginx would reject (or worse, accept with a literal __NAME__ in it).
leftover="$(grep -o '__[A-Z_]*__' <<<"$site" | sort -u | paste -sd ' ' - || true)"
[ -z "$leftover" ] || die "the template has placeholders this script does not fill: $leftover"

if [ -z "$output" ]; then
  printf '%s\n' "$site"
else
  # Written beside the target and renamed: nginx never reads a half-written file.
  tmp="$(mktemp "$(dirname "$output")/.rampart.conf.XXXXXX")"
  printf '%s\n' "$site" >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$output"
fi
