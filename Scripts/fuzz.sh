#!/usr/bin/env bash
# Fuzzes the HTTP request parser with libFuzzer for SECONDS (default 300) and prints how many inputs ran.
# Usage: Scripts/fuzz.sh [SECONDS]
set -euo pipefail
# A crash must end the run at once; Swift's interactive backtracer would hang under the sanitizer.
export SWIFT_BACKTRACE=enable=no
seconds="${1:-300}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# A scratch path of its own keeps the sanitizer build from invalidating the ordinary one.
flags=(-c release --sanitize=fuzzer --sanitize=address --scratch-path .build-fuzz)
swift build "${flags[@]}" --product FuzzHTTPParser
binary="$(swift build "${flags[@]}" --show-bin-path)/FuzzHTTPParser"
corpus=Fuzz/corpus
mkdir -p "$corpus"
cp -n Fuzz/seeds/* "$corpus"/ 2>/dev/null || true
# Replay past crashers first, if any were kept.
if compgen -G "Fuzz/FailCases/*" >/dev/null; then "$binary" -runs=0 Fuzz/FailCases/*; fi
"$binary" -max_total_time="$seconds" -max_len=8192 -print_final_stats=1 -artifact_prefix=Fuzz/ "$corpus" 2>&1 | tee /tmp/craft-sync-fuzz.log | grep -E "^(#[0-9]+.*DONE|stat::number_of_executed_units|==[0-9]+==ERROR)" || true
grep -q "ERROR" /tmp/craft-sync-fuzz.log && { echo "fuzzer found a crash; see /tmp/craft-sync-fuzz.log" >&2; exit 1; }
echo "fuzzing ran for ${seconds}s without a crash"
