#!/usr/bin/env bash
# Fails if the committed generated code in Sources/CreditGateProtos/Generated/
# differs from what scripts/generate-protos.sh produces from Protos/ now.
# Takes the same environment overrides as generate-protos.sh (PROTOC, ...).
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/.." && pwd)"
committed="$repo_root/Sources/CreditGateProtos/Generated"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/fresh" "$tmp/committed"

"$script_dir/generate-protos.sh" "$tmp/fresh"

# Compare only the generated files, so other files in the folder don't matter.
if [[ -d "$committed" ]]; then
  find "$committed" -maxdepth 1 -type f \( -name '*.pb.swift' -o -name '*.grpc.swift' \) \
    -exec cp {} "$tmp/committed/" \;
fi

if ! diff -ru "$tmp/committed" "$tmp/fresh" >"$tmp/diff" 2>&1; then
  sed -e "s#$tmp/committed#Sources/CreditGateProtos/Generated#g" -e "s#$tmp/fresh#regenerated#g" "$tmp/diff" | head -n 200
  echo >&2
  echo "error: generated code is stale: run scripts/generate-protos.sh" >&2
  exit 1
fi
echo "check-generated: Sources/CreditGateProtos/Generated is up to date"
