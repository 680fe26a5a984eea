#!/bin/sh
# Makes the test vectors of tests/unit/test_diff.c (see README.txt): one
# openssl s_server on 127.0.0.1 scanned in configuration A, then in
# configuration B, then with nothing listening.  Everything lives in a
# temporary directory; the servers are stopped by their PID.
#   usage: tests/vectors/diff/capture.sh [TLSAUDIT]   (default build-chk/tlsaudit)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tlsaudit=${1:-$here/../../../build-chk/tlsaudit}
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
cd "$tmp"

# two free ports on loopback
set -- $(python3 -c 'import socket
ss=[socket.socket() for _ in range(2)]
[s.bind(("127.0.0.1",0)) for s in ss]
print(*[s.getsockname()[1] for s in ss])')
P=$1 Q=$2

san="subjectAltName=IP:127.0.0.1"
# A: self-signed RSA 2048, 90 days
openssl req -x509 -newkey rsa:2048 -nodes -keyout a.key -out a.pem -days 90 \
	-subj /CN=diff.test -addext "$san" 2>/dev/null
# B: RSA 3072 issued by a test CA, 10 days
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 \
	-subj "/CN=Diff Test CA" 2>/dev/null
openssl req -new -newkey rsa:3072 -nodes -keyout b.key -out b.csr -subj /CN=diff.test 2>/dev/null
printf '%s\n' "$san" >ext.cnf
openssl x509 -req -in b.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 10 \
	-extfile ext.cnf -out b.pem 2>/dev/null
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out ffdhe2048.pem

# the servers read a FIFO held open here: stdin never ends (-ign_eof too)
mkfifo in
exec 3<>in

wait_port() {
	for _ in $(seq 50); do
		python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),1)" \
			2>/dev/null && return 0
		sleep 0.1
	done
	echo "server on port $1 did not start" >&2
	exit 1
}
scan() { # out, targets...
	out=$1
	shift
	"$tlsaudit" scan --format json --no-http --no-dns --ca-file ca.pem "$@" >"$out" || true
}

openssl s_server -quiet -ign_eof -accept "127.0.0.1:$P" -cert a.pem -key a.key \
	-cipher ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-SHA256 \
	-ciphersuites TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256 \
	-serverpref -groups X25519:P-256 -no_etm <in >a.log 2>&1 &
pid=$!
wait_port "$P"
scan a.json "127.0.0.1:$P"
kill "$pid"
wait "$pid" 2>/dev/null || true

openssl s_server -quiet -ign_eof -accept "127.0.0.1:$P" -cert b.pem -key b.key -min_protocol TLSv1 \
	-cipher 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:NULL-SHA256:@SECLEVEL=0' \
	-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384 -serverpref \
	-groups P-256:P-384 -dhparam ffdhe2048.pem -sigalgs rsa_pss_rsae_sha256:rsa_pkcs1_sha256 \
	-client_renegotiation -no_ticket <in >b.log 2>&1 &
pid=$!
wait_port "$P"
scan b.json "127.0.0.1:$P"
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=

scan down.json "127.0.0.1:$P" "127.0.0.1:$Q"

# stored compact (the same members in the same order), to keep them small
for f in a b down; do
	python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
json.dump(d,open(sys.argv[2],"w"),separators=(",",":"))
open(sys.argv[2],"a").write("\n")' "$f.json" "$here/$f.json"
done

echo "ports $P $Q; vectors written to $here"
