#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/targets/ and runs each one, bounded in time and runs.
#
#   scripts/fuzz.sh [--seconds N] [--runs N] [--only T1,T2] [--no-build] [--no-run]
#
#   --seconds N   stop each target after N seconds (default 30; 0: no time bound)
#   --runs N      stop each target after N executions (default: no bound)
#   --only LIST   only these targets (comma-separated names from fuzz/targets/)
#
# How it builds (cheaply enough for CI): CreditGateCore's sources are compiled once, whole-module,
# with `-sanitize=fuzzer,address`, into one object in .build-fuzz/; each target's harness (plus
# the few files outside Core it fuzzes: GatewayConfiguration.swift, the generated *.pb.swift) is
# compiled and linked against it. swift-crypto and swift-protobuf are not rebuilt: their objects
# and modules are taken from the ordinary `swift build` in .build (built first if absent), so they
# run uninstrumented, and coverage guides the fuzzer through our code only.
#
# Each run starts from the committed seeds in fuzz/corpus/<target>/ and grows a working corpus in
# .build-fuzz/corpus/<target>/. A crash, timeout or out-of-memory stops the script with a
# non-zero status and names the reproducer (replay it: .build-fuzz/bin/<target> <file>).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo_root="$(pwd)"

seconds=30
runs=-1
only=""
build=1
run=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --no-run) run=0; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

out="$repo_root/.build-fuzz"
mkdir -p "$out/bin" "$out/mods" "$out/logs" "$out/tmp"

targets=()
for file in fuzz/targets/*.swift; do
  name="$(basename "$file" .swift)"
  if [[ -z "$only" || ",$only," == *",$name,"* ]]; then targets+=("$name"); fi
done
[[ ${#targets[@]} -gt 0 ]] || { echo "no fuzz targets selected" >&2; exit 2; }

# Files outside CreditGateCore a target compiles in, and whether it links swift-protobuf.
extra_sources() {
  case "$1" in
    # GatewayConfiguration.swift and the server types its defaults name.
    gateway_config)
      for file in Sources/CreditGateServer/Configuration/GatewayConfiguration.swift \
        Sources/CreditGateServer/Support/AdmissionLimiter.swift; do
        [[ -f "$file" ]] && echo "$file"
      done ;;
    audit_export) echo "Sources/CreditGateProtos/Generated/creditgate_v1_common.pb.swift Sources/CreditGateProtos/Generated/creditgate_v1_oversight.pb.swift" ;;
  esac
}
needs_protobuf() { [[ "$1" == audit_export ]]; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

if [[ $build -eq 1 ]]; then
  build_started="$(now)"
  deps="${FUZZ_DEPS_BIN:-$(swift build --show-bin-path)}"
  if [[ ! -f "$deps/Modules/Crypto.swiftmodule" || ! -f "$deps/Modules/SwiftProtobuf.swiftmodule" ]]; then
    echo "fuzz: building swift-crypto and swift-protobuf (swift build --target CreditGateProtos --target CreditGateCore)"
    swift build --target CreditGateCore
    swift build --target CreditGateProtos
  fi
  echo "$deps" > "$out/deps-bin-path"

  # Clang module maps of swift-crypto's C modules, as SwiftPM passes them to CreditGateCore.
  checkouts="$(cd "$deps/../.." && pwd)/checkouts"
  [[ -d "$checkouts/swift-crypto" ]] || checkouts="$repo_root/.build/checkouts"
  xcc=()
  while IFS= read -r map; do
    xcc+=(-Xcc "-fmodule-map-file=$map" -Xcc -I -Xcc "$(dirname "$map")")
  done < <(find "$checkouts/swift-crypto/Sources" -path '*/include/module.modulemap' | sort)

  common=(-parse-as-library -O -sanitize=fuzzer,address -swift-version 6
          -I "$out/mods" -I "$deps/Modules" -module-cache-path "$out/ModuleCache" "${xcc[@]}")

  echo "fuzz: compiling CreditGateCore with -sanitize=fuzzer,address"
  core_started="$(now)"
  mapfile -t core_sources < <(find Sources/CreditGateCore -name '*.swift' | sort)
  swiftc -module-name CreditGateCore -wmo -enable-testing -package-name main \
    -enable-upcoming-feature InternalImportsByDefault "${common[@]}" \
    -emit-module -emit-module-path "$out/mods/CreditGateCore.swiftmodule" \
    -c -o "$out/CreditGateCore.o" "${core_sources[@]}" 2> "$out/logs/build-core.log" \
    || { cat "$out/logs/build-core.log" >&2; exit 1; }
  echo "fuzz: CreditGateCore compiled in $(elapsed "$core_started")s"

  object_files() { find "$@" -name '*.o' ! -name '*.swiftmodule.o' | sort; }
  mapfile -t crypto_objects < <(object_files "$deps/Crypto.build" "$deps/CryptoBoringWrapper.build" \
    "$deps/CCryptoBoringSSL.build" "$deps/CCryptoBoringSSLShims.build" \
    $(for d in CXKCP CXKCPShims; do [[ -d "$deps/$d.build" ]] && echo "$deps/$d.build"; done))
  mapfile -t protobuf_objects < <(object_files "$deps/SwiftProtobuf.build")

  for target in "${targets[@]}"; do
    target_started="$(now)"
    link=("$out/CreditGateCore.o" "${crypto_objects[@]}")
    if needs_protobuf "$target"; then link+=("${protobuf_objects[@]}"); fi
    # shellcheck disable=SC2046
    swiftc -module-name "$target" -wmo "${common[@]}" "fuzz/targets/$target.swift" \
      $(extra_sources "$target") "${link[@]}" -lstdc++ -o "$out/bin/$target" \
      2> "$out/logs/build-$target.log" || { cat "$out/logs/build-$target.log" >&2; exit 1; }
    echo "fuzz: built $target in $(elapsed "$target_started")s"
  done
  echo "fuzz: build done in $(elapsed "$build_started")s"
fi

[[ $run -eq 1 ]] || exit 0

# LeakSanitizer off: the Swift runtime's and Foundation's one-time caches look like leaks at exit.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:handle_abort=1}"
# libFuzzer reports a trap itself; the Swift runtime's backtracer would only slow that down.
export SWIFT_BACKTRACE=enable=no
export TMPDIR="$out/tmp"
export CREDITGATE_FUZZ_CONFIG="$repo_root/config"

failed=()
summary="$out/summary.md"
{
  echo "| target | executions | exec/s | cov | ft | corpus | wall time (s) |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
} > "$summary"
for target in "${targets[@]}"; do
  [[ -x "$out/bin/$target" ]] || { echo "fuzz: $target is not built (run without --no-build)" >&2; exit 1; }
  corpus="$out/corpus/$target"
  artifacts="$out/artifacts/$target"
  mkdir -p "$corpus" "$artifacts" "fuzz/corpus/$target"
  log="$out/logs/run-$target.log"
  echo "fuzz: running $target (seconds: $seconds, runs: $runs)"
  run_started="$(now)"
  dict=()
  [[ -f "fuzz/dictionaries/$target.dict" ]] && dict=(-dict="fuzz/dictionaries/$target.dict")
  status=0
  "$out/bin/$target" -max_total_time="$seconds" -runs="$runs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" "$corpus" "fuzz/corpus/$target" \
    > "$log" 2>&1 || status=$?
  wall="$(elapsed "$run_started")"
  execs="$(awk '/stat::number_of_executed_units/ { print $2 }' "$log" | tail -1)"
  rate="$(awk '/stat::average_exec_per_sec/ { print $2 }' "$log" | tail -1)"
  cov="$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{ print $2 }')"
  ft="$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | awk '{ print $2 }')"
  units="$(grep -oE 'corp: [0-9]+' "$log" | tail -1 | awk '{ print $2 }')"
  echo "| $target | ${execs:-?} | ${rate:-?} | ${cov:-?} | ${ft:-?} | ${units:-?} | $wall |" >> "$summary"
  if [[ $status -ne 0 ]]; then
    failed+=("$target")
    echo "fuzz: $target FAILED (exit $status); log tail:" >&2
    tail -40 "$log" >&2
    for artifact in "$artifacts"/*; do
      [[ -f "$artifact" ]] || continue
      echo "fuzz: reproducer $artifact (replay: $out/bin/$target $artifact); base64:" >&2
      base64 -w0 "$artifact" >&2; echo >&2
    done
  else
    echo "fuzz: $target ok: ${execs:-?} executions, ${rate:-?}/s, cov ${cov:-?}, ft ${ft:-?}, ${wall}s"
  fi
done

echo
cat "$summary"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: crashes in: ${failed[*]}" >&2
  exit 1
fi
