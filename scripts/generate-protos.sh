#!/usr/bin/env bash
# Regenerates the Swift protobuf messages and gRPC stubs for Protos/ into
# Sources/CreditGateProtos/Generated/ (the generated code is committed).
#
# Usage:
#   scripts/generate-protos.sh [OUTPUT_DIR]
#
# OUTPUT_DIR defaults to $CREDITGATE_PROTOS_OUT, then to
# Sources/CreditGateProtos/Generated. Existing *.pb.swift / *.grpc.swift files in
# it are replaced; other files are left alone.
#
# Needs protoc (Debian: apt-get install -y protobuf-compiler) and a Swift
# toolchain. The plugins protoc-gen-swift and protoc-gen-grpc-swift-2 are built
# from the tool package scripts/protoc-plugins (pinned to the versions the root
# package uses) in its scratch path .build-protoc. Environment overrides:
#   PROTOC                  protoc binary (default: protoc on PATH)
#   PROTOC_INCLUDE          directory holding google/protobuf/*.proto
#                           (default: /usr/include or /usr/local/include)
#   PROTOC_GEN_SWIFT        prebuilt protoc-gen-swift (skips building it)
#   PROTOC_GEN_GRPC_SWIFT   prebuilt protoc-gen-grpc-swift-2 (skips building it)
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/.." && pwd)"
plugins_pkg="$script_dir/protoc-plugins"
scratch="$plugins_pkg/.build-protoc"
protos_dir="$repo_root/Protos"

out_dir="${1:-${CREDITGATE_PROTOS_OUT:-$repo_root/Sources/CreditGateProtos/Generated}}"
mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"

log() { echo "generate-protos: $*" >&2; }

# --- protoc and the well-known types -----------------------------------------
protoc="${PROTOC:-protoc}"
if ! command -v "$protoc" >/dev/null 2>&1; then
  log "protoc not found; install it with: apt-get install -y protobuf-compiler"
  exit 1
fi
if [[ -z "${PROTOC_INCLUDE:-}" ]]; then
  for dir in /usr/include /usr/local/include; do
    if [[ -f "$dir/google/protobuf/timestamp.proto" ]]; then
      PROTOC_INCLUDE="$dir"
      break
    fi
  done
fi
if [[ -z "${PROTOC_INCLUDE:-}" || ! -f "$PROTOC_INCLUDE/google/protobuf/timestamp.proto" ]]; then
  log "google/protobuf/timestamp.proto not found; set PROTOC_INCLUDE (Debian: apt-get install -y protobuf-compiler)"
  exit 1
fi

# --- plugins ---------------------------------------------------------------
build_plugin() {
  local product="$1"
  log "building $product (release, scratch path ${scratch#"$repo_root/"})"
  swift build -c release \
    --package-path "$plugins_pkg" \
    --scratch-path "$scratch" \
    --product "$product" >&2
}

if [[ -z "${PROTOC_GEN_SWIFT:-}" || -z "${PROTOC_GEN_GRPC_SWIFT:-}" ]]; then
  bin_path="$(swift build -c release --package-path "$plugins_pkg" --scratch-path "$scratch" --show-bin-path)"
fi
if [[ -z "${PROTOC_GEN_SWIFT:-}" ]]; then
  build_plugin protoc-gen-swift
  PROTOC_GEN_SWIFT="$bin_path/protoc-gen-swift"
fi
if [[ -z "${PROTOC_GEN_GRPC_SWIFT:-}" ]]; then
  build_plugin protoc-gen-grpc-swift-2
  PROTOC_GEN_GRPC_SWIFT="$bin_path/protoc-gen-grpc-swift-2"
fi
for plugin in "$PROTOC_GEN_SWIFT" "$PROTOC_GEN_GRPC_SWIFT"; do
  if [[ ! -x "$plugin" ]]; then
    log "plugin not found or not executable: $plugin"
    exit 1
  fi
done

# --- inputs (relative to Protos/, sorted for a stable order) ------------------
inputs=()
while IFS= read -r f; do
  inputs+=("$f")
done < <(
  cd "$protos_dir" &&
    find creditgate/v1 -maxdepth 1 -name '*.proto' -type f | LC_ALL=C sort &&
    echo grpc/health/v1/health.proto
)
if [[ ! -f "$protos_dir/grpc/health/v1/health.proto" ]]; then
  log "missing $protos_dir/grpc/health/v1/health.proto"
  exit 1
fi

# --- generate into a temp dir, then replace the old generated files -----------
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

swift_opts="Visibility=Public,FileNaming=PathToUnderscores,UseAccessLevelOnImports=true"
grpc_opts="Visibility=Public,FileNaming=PathToUnderscores,UseAccessLevelOnImports=true,Server=true,Client=true"

log "running $("$protoc" --version) on ${#inputs[@]} files"
(
  cd "$protos_dir"
  "$protoc" \
    -I "$protos_dir" \
    -I "$PROTOC_INCLUDE" \
    --plugin=protoc-gen-swift="$PROTOC_GEN_SWIFT" \
    --plugin=protoc-gen-grpc-swift="$PROTOC_GEN_GRPC_SWIFT" \
    --swift_out="$tmp" \
    --swift_opt="$swift_opts" \
    --grpc-swift_out="$tmp" \
    --grpc-swift_opt="$grpc_opts" \
    "${inputs[@]}"
)

find "$out_dir" -maxdepth 1 -type f \( -name '*.pb.swift' -o -name '*.grpc.swift' \) -delete
cp "$tmp"/*.swift "$out_dir"/
log "wrote $(find "$tmp" -maxdepth 1 -name '*.swift' | wc -l | tr -d ' ') files to $out_dir"
