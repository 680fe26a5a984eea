#!/usr/bin/env bash
# Format C sources with the repository's .clang-format, or check them (--check).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.c' '*.h' | grep -v '^build' || true)
[ ${#files[@]} -gt 0 ] || exit 0
if [ "${1:-}" = "--check" ]; then
  clang-format --dry-run --Werror "${files[@]}"
  echo "format check: ${#files[@]} files ok"
else
  clang-format -i "${files[@]}"
fi
