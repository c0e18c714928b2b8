// swift-tools-version:6.1
import PackageDescription

let package = Package(
  name: "CreditGate",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "creditgate", targets: ["creditgate"]),
  ],
  dependencies: [
    .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
    .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
    // No default traits: their flags are written in a random order and trigger needless rebuilds.
    .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0", traits: []),
    .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
    .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
    .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
  ],
  targets: [
    // Generated protobuf messages and gRPC stubs (committed; see scripts/generate-protos.sh).
    .target(
      name: "CreditGateProtos",
      dependencies: [
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ]
    ),
    // The pure domain: codes, lists, policy, audit entries, storage protocols. No gRPC, NIO or SQL.
    .target(
      name: "CreditGateCore",
      dependencies: [
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    // The embedded storage backend.
    .target(
      name: "CreditGateSQLite",
      dependencies: [
        "CreditGateCore",
        .product(name: "GRDB", package: "GRDB.swift"),
      ]
    ),
    // How a Swift client reaches the gateway and runs its calls: the CLI's client commands,
    // the test kit and the bench share it, and what a person's app checks offline (the access log's
    // proofs). It knows nothing of the server or of storage.
    .target(
      name: "CreditGateClient",
      dependencies: [
        "CreditGateCore",
        "CreditGateProtos",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "Histogram", package: "hdrhistogram-swift"),
      ]
    ),
    // gRPC services, mTLS identity, configuration, the audit writer, the dev PKI.
    .target(
      name: "CreditGateServer",
      dependencies: [
        "CreditGateCore",
        "CreditGateProtos",
        "CreditGateSQLite",
        // The certs/ layout the dev PKI writes and clients read (CertificateLayout).
        "CreditGateClient",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "X509", package: "swift-certificates"),
        .product(name: "SwiftASN1", package: "swift-asn1"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        // The request size filter on each HTTP/2 stream (RequestSizeLimit.swift).
        .product(name: "NIOHTTP2", package: "swift-nio-http2"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
      ]
    ),
    .executableTarget(
      name: "creditgate",
      dependencies: [
        "CreditGateClient",
        "CreditGateServer",
        "CreditGateProtos",
        "CreditGateCore",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ]
    ),
    // Helpers for tests: a gateway on a free port with an in-process PKI, clients per institution.
    .target(
      name: "CreditGateTestKit",
      dependencies: [
        "CreditGateClient", "CreditGateServer", "CreditGateCore", "CreditGateSQLite", "CreditGateProtos",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
        .product(name: "X509", package: "swift-certificates"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .testTarget(
      name: "CreditGateCoreTests",
      dependencies: ["CreditGateCore", .product(name: "Crypto", package: "swift-crypto")]
    ),
    .testTarget(name: "CreditGateStorageTests", dependencies: ["CreditGateCore", "CreditGateSQLite", "CreditGateTestKit"]),
    .testTarget(
      name: "CreditGateClientTests",
      dependencies: [
        "CreditGateClient", "CreditGateProtos",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ]
    ),
    .testTarget(
      name: "CreditGateServerTests",
      dependencies: [
        "CreditGateTestKit", "CreditGateClient", "CreditGateServer", "CreditGateProtos", "CreditGateCore",
        "CreditGateSQLite",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
        .product(name: "X509", package: "swift-certificates"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ]
    ),
  ],
  swiftLanguageModes: [.v6]
)

for target in package.targets where target.type != .plugin {
  var settings = target.swiftSettings ?? []
  settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
  target.swiftSettings = settings
}
