#!/usr/bin/env bash
# Fuzz the wire parsers (and the target parser) with libFuzzer.
#
#   scripts/fuzz.sh TARGET|all [SECONDS]
#
# TARGET is one of: record server_hello ske certificate ssl2 handshake target
# starttls dns hsts http_headers mtasts tlsrpt escape report (tests/fuzz/fuzz_TARGET.c,
# corpus tests/fuzz/corpus/TARGET/), cert (X.509 analysis, tests/cert/) and
# profile (profile files, tests/profile/).  SECONDS per target, default 600.
#
# Builds with clang in build-fuzz/ (-DTA_FUZZ=ON: -fsanitize=fuzzer,address,
# undefined), then runs each target over its checked-in seed corpus
# (tests/fuzz/corpus/TARGET/, tests/cert/corpus/, tests/profile/corpus/).  New corpus entries go to a temporary directory
# (printed; copy the interesting ones by hand, don't commit huge corpora);
# crash, leak and timeout reproducers go to build-fuzz/artifacts/TARGET/.
# Prints executions, exec/s, new entries and crashes per target; exits 1
# when any target crashed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build-fuzz
ALL=(record server_hello ske certificate ssl2 handshake target starttls dns hsts http_headers mtasts tlsrpt escape report store inventory diff
	cert profile)

# Where a target's binary and seed corpus live, relative to the build and
# source trees.
target_dir() {
	case $1 in cert | profile) echo "tests/$1" ;; *) echo tests/fuzz ;; esac
}
corpus_dir() {
	case $1 in cert | profile) echo "tests/$1/corpus" ;; *) echo "tests/fuzz/corpus/$1" ;; esac
}

usage() {
	echo "usage: $0 TARGET|all [SECONDS]" >&2
	echo "targets: ${ALL[*]}" >&2
	exit 2
}

[ $# -ge 1 ] && [ $# -le 2 ] || usage
SECS=${2:-600}
[[ $SECS =~ ^[0-9]+$ ]] || usage
if [ "$1" = all ]; then
	TARGETS=("${ALL[@]}")
else
	case " ${ALL[*]} " in *" $1 "*) TARGETS=("$1") ;; *) usage ;; esac
fi

command -v clang >/dev/null || { echo "fuzz.sh: clang not found" >&2; exit 1; }
CC=clang cmake -S "$ROOT" -B "$BUILD" -DTA_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
for t in "${TARGETS[@]}"; do
	cmake --build "$BUILD" -j"$(nproc)" --target "fuzz_$t" >/dev/null ||
		{ echo "fuzz.sh: cannot build fuzz_$t" >&2; exit 1; }
done

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

NEW=$(mktemp -d "${TMPDIR:-/tmp}/tlsaudit-fuzz.XXXXXX")
summary=()
crashed=0
for t in "${TARGETS[@]}"; do
	art=$BUILD/artifacts/$t
	log=$BUILD/fuzz-$t.log
	mkdir -p "$art" "$NEW/$t"
	maxlen=4096
	case $t in record | handshake) maxlen=20000 ;; esac
	echo "== fuzz_$t: $SECS s, corpus $(corpus_dir "$t"), log $log"
	# First corpus directory receives new entries; the checked-in one is only read.
	set +e
	"$BUILD/$(target_dir "$t")/fuzz_$t" -max_total_time="$SECS" -timeout=10 -max_len=$maxlen \
		-print_final_stats=1 -artifact_prefix="$art/" \
		"$NEW/$t" "$ROOT/$(corpus_dir "$t")" >"$log" 2>&1
	rc=$?
	set -e
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	found=$(find "$NEW/$t" -type f | wc -l)
	crashes=$(find "$art" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
		-o -name 'oom-*' \) | wc -l)
	if [ "$rc" -ne 0 ]; then
		crashed=1
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*invariant broken)' "$log" | head -5 || true
	fi
	summary+=("$(printf '%-14s %6ss %12s execs %8s exec/s %5s new %3s crashes  rc=%s' \
		"$t" "$SECS" "${execs:-?}" "${speed:-?}" "$found" "$crashes" "$rc")")
done

echo
echo "target           time        executions      speed   corpus  findings"
printf '%s\n' "${summary[@]}"
echo "new corpus entries: $NEW (not committed; copy what is worth keeping)"
echo "reproducers: $BUILD/artifacts/<target>/ (replay: build-fuzz/tests/{fuzz,cert,profile}/fuzz_<target> FILE)"
exit $crashed
