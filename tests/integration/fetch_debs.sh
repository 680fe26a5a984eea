#!/usr/bin/env bash
# Download the .deb packages that the integration tests unpack (dpkg -x into
# their temp dir, see service_stacks.py) instead of installing, because they
# cannot be installed normally on the test machine:
#   exim4-daemon-light  conflicts with postfix (both are the system MTA); the
#                       binary needs only libraries (libgnutls30, libgnutls-dane0,
#                       libidn12, libpcre2-8-0, libdb5.3 ... installed packages),
#                       not exim4-base
#   inn2                its postinst fails on this machine's host name (and a
#                       half-installed inn2 needs dpkg --purge --force-all);
#                       nnrpd needs libcanlock3, libperl5.36, libpython3.11,
#                       libsasl2-2 (installed packages)
#   inn2-inews          libinn.so.9 for nnrpd (inn2's pre-dependency); the tests
#                       always use this unpacked copy
# Usage: tests/integration/fetch_debs.sh [DIR]   (default
# /var/cache/tlsaudit-tests/debs; the tests read $TLSAUDIT_DEBS_DIR or that).
# Idempotent and quick when cached: one apt-cache call; a package whose
# candidate version is already in DIR is not downloaded again.
set -euo pipefail

DIR="${1:-/var/cache/tlsaudit-tests/debs}"
PKGS=(exim4-daemon-light inn2 inn2-inews)

mkdir -p "$DIR"
cd "$DIR"
need=()
# one apt-cache call for all: "package candidate-version" lines
declare -A cand=()
while read -r p v; do
  cand[$p]="$v"
done < <(apt-cache policy "${PKGS[@]}" 2>/dev/null |
         awk '/^[^ ].*:$/ {p = substr($0, 1, length($0) - 1)} /^ +Candidate:/ {print p, $2}')
arch="$(dpkg --print-architecture)"
for p in "${PKGS[@]}"; do
  ver="${cand[$p]:-}"
  if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
    echo "fetch_debs: no candidate for $p (apt-get update?)" >&2
    exit 1
  fi
  # file names encode the epoch's ':' as %3a
  if [ -s "${p}_${ver//:/%3a}_${arch}.deb" ] || [ -s "${p}_${ver//:/%3a}_all.deb" ]; then
    continue
  fi
  need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "fetch_debs: downloading ${need[*]} into $DIR"
  # apt-get download runs as _apt when it can: let it write here
  chmod 0755 "$DIR"
  if id _apt >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    chown _apt "$DIR"
  fi
  apt-get download -q "${need[@]}"
  [ "$(id -u)" -eq 0 ] && chown root "$DIR"
fi
# keep only the newest file of each package
for p in "${PKGS[@]}"; do
  mapfile -t files < <(ls -1 "${p}"_*.deb 2>/dev/null | sort -V)
  if [ ${#files[@]} -eq 0 ]; then
    echo "fetch_debs: ${p} was not downloaded" >&2
    exit 1
  fi
  if [ ${#files[@]} -gt 1 ]; then
    rm -f "${files[@]:0:${#files[@]}-1}"
  fi
done
exit 0
