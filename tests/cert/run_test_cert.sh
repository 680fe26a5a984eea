#!/bin/sh
# ctest entry for cert.x509: build the test PKI in a fresh temporary
# directory with gen_pki.sh, run test_cert over it, and remove it (private
# keys included) whatever happens.
#
# usage: run_test_cert.sh PATH-TO-test_cert
set -eu

bin=${1:?usage: run_test_cert.sh PATH-TO-test_cert}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/tlsaudit-cert.XXXXXX")
trap 'rm -rf "$dir"' EXIT
trap 'exit 1' HUP INT TERM

sh "$here/gen_pki.sh" "$dir"
"$bin" "$dir"
