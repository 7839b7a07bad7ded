#!/usr/bin/env bash
# Fuzzes the HTTP request parser with libFuzzer for SECONDS (default 300) and prints how many inputs ran.
# Usage: Scripts/fuzz.sh [SECONDS]
set -euo pipefail
# A crash must end the run at once; Swift's interactive backtracer would hang under the sanitizer.
export SWIFT_BACKTRACE=enable=no
seconds="${1:-300}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# A scratch path of its own keeps the sanitizer build apart from the ordinary one. The coverage kinds are named
# explicitly: `--sanitize=fuzzer` alone was seen to produce binaries without coverage counters here, which libFuzzer
# then runs blind (it still "passes"); the check after the run refuses such a binary.
rm -rf .build-fuzz
swift build -c release --sanitize=fuzzer --sanitize=address \
    -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
    --scratch-path .build-fuzz --product FuzzHTTPParser
binary=".build-fuzz/release/FuzzHTTPParser"
corpus=Fuzz/corpus
mkdir -p "$corpus"
cp -n Fuzz/seeds/* "$corpus"/ 2>/dev/null || true
# Replay past crashers first, if any were kept.
if compgen -G "Fuzz/FailCases/*" >/dev/null; then "$binary" -runs=0 Fuzz/FailCases/*; fi
"$binary" -max_total_time="$seconds" -max_len=8192 -print_final_stats=1 -artifact_prefix=Fuzz/ "$corpus" 2>&1 | tee /tmp/craft-sync-fuzz.log | grep -E "^(#[0-9]+.*DONE|stat::number_of_executed_units|==[0-9]+==ERROR)" || true
grep -q "inline 8-bit counters" /tmp/craft-sync-fuzz.log || { echo "the fuzz binary has no coverage counters" >&2; exit 1; }
grep -q "ERROR" /tmp/craft-sync-fuzz.log && { echo "fuzzer found a crash; see /tmp/craft-sync-fuzz.log" >&2; exit 1; }
echo "fuzzing ran for ${seconds}s without a crash"
