#!/usr/bin/env bash
# Install what tlsaudit needs on Debian 12 (apt-get).
#   scripts/install-deps.sh --build   what building and running need (the quick start)
#   scripts/install-deps.sh           that, and every server and tool the tests use
# Safe to run again: apt-get skips what is already installed.
set -euo pipefail

BUILD=(
  build-essential cmake pkg-config
  libssl-dev libjansson-dev libc-ares-dev libcurl4-openssl-dev libsqlite3-dev libpq-dev zlib1g-dev libexpat1-dev
  # the quick start's demo server and its free port
  openssl python3
)
PKGS=(
  "${BUILD[@]}"
  # checks: libFuzzer and the sanitizers, formatting
  clang libclang-rt-14-dev clang-format
  # packaging (cpack: dpkg-shlibdeps needs file) and reading the man pages
  file man-db
  # tests: real servers and tools, all used on loopback only
  openssl nginx gnutls-bin nsd postfix dovecot-imapd dovecot-pop3d dovecot-managesieved postgresql vsftpd python3 python3-jsonschema python3-cryptography iproute2 jq procps
  # servers on other TLS stacks (wolfSSL, mbedTLS, NSS, GnuTLS, JSSE, Erlang)
  lighttpd lighttpd-mod-openssl lighttpd-mod-gnutls lighttpd-mod-mbedtls lighttpd-mod-wolfssl lighttpd-mod-nss
  apache2 haproxy slapd ldap-utils mariadb-server mariadb-client mosquitto mosquitto-clients prosody dovecot-lmtpd
  # tlsaudit config's standalone configurations started by test_config.py
  stunnel4
  openjdk-17-jdk-headless erlang-base erlang-ssl erlang-crypto erlang-public-key
  # libraries of the unpacked exim4-daemon-light / inn2 (tests/integration/fetch_debs.sh)
  libidn12 libcanlock3 libperl5.36 libpython3.11 libsasl2-2
  # the shards test: a one-node Slurm cluster on loopback (tests/integration/test_shards.py)
  slurmctld slurmd slurm-client munge
  # benchmark and cross-check peers
  sslscan testssl.sh nmap time bc
  # docs: the man page check renders every page
  groff-base
  # the JUnit report validated against the JUnit XML schema (tests/integration/test_junit.py)
  libxml2-utils
  # the HTML report laid out by a real browser, and its PDF read back
  # (tests/integration/test_html_layout.py, test_report_layout.py)
  chromium poppler-utils
  # the client simulation against real clients (tests/integration/test_clients.py,
  # tests/clients/capture.py): browsers, JSSE, Node.js, curl, wget; certutil puts
  # the test CA into Firefox's profile
  firefox-esr libnss3-tools nodejs curl wget
)

build_only=0
[ "${1:-}" = "--build" ] && build_only=1
[ $build_only -eq 1 ] && PKGS=("${BUILD[@]}")

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
[ $build_only -eq 1 ] && exit 0
# nginx from Debian starts a system instance on port 80; the tests start their own.
# .debs the tests unpack instead of installing: exim4-daemon-light conflicts
# with postfix, inn2's postinst fails on a host name without a domain
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO "$(dirname "$0")/../tests/integration/fetch_debs.sh"
