#!/usr/bin/env bash
# Quick start: install what is missing, build tlsaudit, and run a real audit.
#   scripts/quickstart.sh            audit a local demo server started here
#   scripts/quickstart.sh HOST[:PORT] audit a host you name
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --build
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"

if [ $# -gt 0 ]; then
  exec build/tlsaudit scan "$@"
fi

# No target given: start a demo server on loopback (these machines have no
# internet), audit it, and stop it.
demo=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$demo"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
  -keyout "$demo/key.pem" -out "$demo/cert.pem" 2>/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl s_server -accept "127.0.0.1:$port" -cert "$demo/cert.pem" -key "$demo/key.pem" \
  -quiet -www >/dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
echo "demo server: openssl s_server on 127.0.0.1:$port (pid $pid)"
build/tlsaudit scan "127.0.0.1:$port"
