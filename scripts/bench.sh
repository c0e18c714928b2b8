#!/usr/bin/env bash
# Measures CreditGate in one run (scripts/bench.py): builds the release binary, seeds a
# synthetic population, pins the gateway to CPU 0 and the load generator to CPU 1, and prints
# a Markdown table of requests per second, latency and ratios against Health/Check measured in
# the same run; results.json and results.md go to $OUT (default bench-results/).
#
#   scripts/bench.sh                          # 100,000 subjects, 10 s per measurement, 2 rounds
#   SUBJECTS=2000 DURATION=1 ROUNDS=1 BIN=.build/debug/creditgate scripts/bench.sh   # a smoke run
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
if [ -z "${BIN:-}" ]; then
  swift build -c release --product creditgate --scratch-path .build-release >&2
  BIN="$repo/.build-release/release/creditgate"
fi
export BIN
exec python3 "$repo/scripts/bench.py"
