// swift-tools-version:6.1
// Tool package that builds the protoc plugins used by scripts/generate-protos.sh.
//
// It exists so the plugins can be built without loading (or compiling) the root
// CreditGate package. Versions are pinned exactly and must match the versions the
// root package resolves to (Package.swift / Package.resolved): the generated code in
// Sources/CreditGateProtos/Generated depends on them.
import PackageDescription

let package = Package(
  name: "protoc-plugins",
  dependencies: [
    // No traits: the plugins don't need BinaryDelimitedStreams/FieldMaskUtilities, and
    // with two traits enabled SwiftPM 6.x emits their -D flags in a random order whenever
    // it re-plans the build, which needlessly recompiles SwiftProtobuf (~1 min) now and then.
    .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0", traits: []),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", exact: "2.4.1"),
    // The gRPC code generator (GRPCCodeGen) lives in grpc-swift-2; pin it to the
    // version the root package uses so the generated stubs match the runtime.
    .package(url: "https://github.com/grpc/grpc-swift-2.git", exact: "2.4.3"),
  ],
  targets: []
)
