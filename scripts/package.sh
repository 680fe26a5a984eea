#!/usr/bin/env bash
# Build the Debian package of tlsaudit into DIR (docs/packaging.md).
#   scripts/package.sh DIR [CMAKE_ARG...]
# A Release build of its own in DIR/build (the tree's build dirs are left
# alone), then CPack: DIR/tlsaudit_VERSION-1_ARCH.deb, whose path is the
# last line printed.  CMAKE_ARGs go to the configure step, e.g.
# -DTA_PACKAGE_MAINTAINER="Name <address>".  JOBS=N sets the build's
# parallelism (default: nproc).
# Needs what the build needs plus dpkg-dev (dpkg-shlibdeps) and file.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 DIR [CMAKE_ARG...]" >&2
  exit 2
fi
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
shift
build="$out/build"
jobs=${JOBS:-$(nproc)}

for tool in cmake cpack dpkg-shlibdeps file; do
  command -v "$tool" >/dev/null || {
    echo "$0: $tool not found (Debian: apt-get install cmake dpkg-dev file)" >&2
    exit 1
  }
done

# Only the binary is built: CMAKE_SKIP_INSTALL_ALL_DEPENDENCY keeps CPack's
# install step from building the tests too.
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTA_SANITIZE=OFF -DTA_FUZZ=OFF \
  -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON "$@" >/dev/null
cmake --build "$build" --target tlsaudit -j"$jobs"
rm -f "$build"/tlsaudit_*.deb
(cd "$build" && cpack -G DEB --config CPackConfig.cmake)

debs=("$build"/tlsaudit_*.deb)
if [ ${#debs[@]} -ne 1 ] || [ ! -f "${debs[0]}" ]; then
  echo "$0: expected one tlsaudit_*.deb in $build, found: ${debs[*]}" >&2
  exit 1
fi
rm -f "$out"/tlsaudit_*.deb
mv "${debs[0]}" "$out/"
echo "$out/$(basename "${debs[0]}")"
