public import CreditGateCore
public import Foundation
import GRPCCore
public import GRPCNIOTransportHTTP2Posix
public import Logging
import Crypto
public import ServiceLifecycle
import Prometheus

/// The gateway as a long-lived service: storage opened, keys and PKI in place, gRPC over
/// mutual TLS on the configured address. Run it in a `ServiceGroup` for graceful shutdown.
public struct GatewayServer: Service {
  public let gateway: Gateway
  let configuration: GatewayConfiguration
  let onListening: @Sendable (_ host: String, _ port: Int) -> Void
  let registry: PrometheusCollectorRegistry

  /// Prepares everything the server needs; a mistake in the configuration or the lists stops
  /// here with a message naming the file and the problem.
  /// - Parameter store: a store to use instead of the configured `storage` (tests inject
  ///   failing or in-memory ones here).
  public init(
    configuration: GatewayConfiguration, logger: Logger,
    store: (any GatewayStore)? = nil,
    clock: @escaping @Sendable () -> Date = { Date() },
    onListening: @escaping @Sendable (_ host: String, _ port: Int) -> Void
  ) async throws {
    try SecretFile.prepareDirectory(configuration.dataDirectory)
    let listsDirectory = URL(filePath: configuration.listsDirectory)
    let lists = try PublishedLists.load(from: listsDirectory)
    let evaluationModels = try EvaluationModels.load(from: listsDirectory, lists: lists)
    let institutions = try configuration.resolveInstitutions(lists: lists)
    try configuration.validate()

    let pki = DevelopmentPKI(directory: URL(filePath: configuration.certsDirectory))
    let usesDevelopmentPKI =
      configuration.serverCertificate == nil && configuration.serverKey == nil
      && configuration.clientCA == nil
    if usesDevelopmentPKI, !pki.exists {
      try pki.initialize(institutions: institutions.map(\.id))
      logger.notice("created the development PKI", metadata: ["certs": "\(pki.directory.path)"])
    }
    try SecretFile.requireOwnerOnly(configuration.serverKeyPath)

    let store = try store ?? GatewayStorage.open(configuration.storageURL)
    let key = try KeyFile.loadOrCreate(path: configuration.pseudonymKeyPath, bytes: 32)
    let signer = try configuration.auditSigner()
    // Refuses to start on a log that no longer matches what was signed (AuditLogCheck).
    let auditWriter = try await AuditWriter.open(store: store, signer: signer)
    let registry = PrometheusCollectorRegistry()
    self.registry = registry
    self.gateway = Gateway(
      lists: lists, evaluationModels: evaluationModels, institutions: institutions, revokedSerials: configuration.revokedSerials,
      store: store, auditWriter: auditWriter, pseudonymizer: Pseudonymizer(keyBytes: key),
      consentMaximumDays: configuration.consentMaximumDays,
      metrics: PrometheusMetricsFactory(registry: registry),
      auditOrigin: configuration.auditOrigin, clock: clock, logger: logger,
      admissionLimit: configuration.maxCallsInFlight)
    self.configuration = configuration
    self.onListening = onListening

    if configuration.demoData, try await store.subjectCount() == 0 {
      try await DemoData.load(
        into: store, lists: lists, institutions: institutions, today: gateway.today)
      logger.notice("loaded the demo data set", metadata: ["subjects": "\(DemoData.subjects.count)"])
    }
  }

  public func run() async throws {
    let (host, port) = try configuration.listenAddress()
    let sizeLimit = RequestSizeLimit()
    let transport = HTTP2ServerTransport.Posix(
      address: host.contains(":") ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port),
      transportSecurity: .tls(Self.tlsConfiguration(configuration)),
      config: Self.transportConfiguration(configuration, sizeLimit: sizeLimit))
    let server = GRPCServer(
      // Calls to unknown methods, and calls refused before a handler ran, are audited too
      // (UnknownMethods.swift).
      // A message over the size limit is refused, audited, before either (RequestSizeLimit.swift).
      transport: AuditingTransport(
        wrapping: SizeLimitedTransport(wrapping: transport, gateway: gateway, limit: sizeLimit), gateway: gateway),
      services: [
        CreditQueryService(gateway: gateway), CreditRecordsService(gateway: gateway),
        ConsentsService(gateway: gateway), SubjectRightsService(gateway: gateway),
        OversightService(gateway: gateway), HealthService(gateway: gateway),
      ])
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask {
        try await withGracefulShutdownHandler {
          try await server.serve()
        } onGracefulShutdown: {
          server.beginGracefulShutdown()
        }
      }
      if let metricsListen = configuration.metricsListen {
        let (metricsHost, metricsPort) = try GatewayConfiguration.split(metricsListen, key: "metrics_listen")
        let endpoint = MetricsEndpoint(registry: registry, host: metricsHost, port: metricsPort, logger: gateway.logger)
        let logger = gateway.logger
        group.addTask {
          // Metrics are an aid, not the service: if the port is taken, say so and go on.
          do {
            try await cancelWhenGracefulShutdown {
              try await endpoint.run { port in
                logger.notice("metrics at http://\(metricsHost):\(port)/metrics")
              }
            }
          } catch {
            logger.warning("metrics endpoint not started", metadata: ["error": "\(error)"])
          }
        }
      }
      let address = try await transport.listeningAddress
      if let ipv4 = address.ipv4 {
        onListening(ipv4.host, ipv4.port)
      } else if let ipv6 = address.ipv6 {
        onListening(ipv6.host, ipv6.port)
      }
    }
  }
}

extension GatewayServer {
  /// The server side of mutual TLS: a client certificate is required and checked against the
  /// configured client CA only, never the system roots (the transport's mTLS default). The
  /// transport sets TLS 1.2 as the floor (`TLSConfiguration(_:)` in NIOSSL+GRPC.swift).
  public static func tlsConfiguration(
    _ configuration: GatewayConfiguration
  ) -> HTTP2ServerTransport.Posix.TransportSecurity.TLS {
    .mTLS(
      certificateChain: [.file(path: configuration.serverCertificatePath, format: .pem)],
      privateKey: .file(path: configuration.serverKeyPath, format: .pem)
    ) { tls in
      tls.trustRoots = .certificates([.file(path: configuration.clientCAPath, format: .pem)])
      tls.clientCertificateVerification = .noHostnameVerification
    }
  }

  /// HTTP/2 and connection settings that keep busy connections up (issue 8, defect 6):
  /// - at most `max_concurrent_streams` streams per connection (the transport's default is no
  ///   limit: a client could open thousands, each buffered and dispatched);
  /// - a permissive ping policy: the default allows one ping per 5 minutes with 2 strikes,
  ///   then answers GOAWAY ENHANCE_YOUR_CALM and closes (ServerConnectionManagementHandler),
  ///   while grpc-go and grpc-core send flow-control (BDP) pings whenever data flows. Ping
  ///   floods are still bounded by NIOHTTP2's control-frame rate limit.
  /// - a message over `sizeLimit` answered `RESOURCE_EXHAUSTED` by the gateway, audited, instead
  ///   of the transport's RST_STREAM (`RequestSizeLimit`).
  public static func transportConfiguration(
    _ configuration: GatewayConfiguration, sizeLimit: RequestSizeLimit? = nil
  ) -> HTTP2ServerTransport.Posix.Config {
    .defaults { config in
      if let sizeLimit {
        config.rpc.maxRequestPayloadSize = sizeLimit.bytes
        config.channelDebuggingCallbacks.onAcceptHTTP2Stream = sizeLimit.onAcceptHTTP2Stream
      }
      config.http2.maxConcurrentStreams = configuration.maxConcurrentStreams
      config.connection.keepalive.clientBehavior = .init(minPingIntervalWithoutCalls: .zero, allowWithoutCalls: true)
    }
  }
}

/// A secret key in a file of its own, created owner-only from the start (SecretFile); an
/// existing one that group or others can read stops the start.
enum KeyFile {
  static func loadOrCreate(path: String, bytes: Int) throws -> Data {
    if FileManager.default.fileExists(atPath: path) {
      try SecretFile.requireOwnerOnly(path)
      guard let data = FileManager.default.contents(atPath: path) else {
        throw ConfigurationError("\(path): cannot read the key file")
      }
      guard data.count == bytes else {
        throw ConfigurationError("\(path): expected a \(bytes)-byte key, found \(data.count) bytes")
      }
      return data
    }
    try SecretFile.prepareDirectory(URL(filePath: path).deletingLastPathComponent().path)
    let key = SymmetricKey(size: SymmetricKeySize(bitCount: bytes * 8)).withUnsafeBytes { Data($0) }
    try SecretFile.write(key, to: path)
    return key
  }
}

extension GatewayConfiguration {
  /// The signer of this gateway's audit checkpoints, its key created on first use.
  public func auditSigner() throws -> NoteSigner {
    try NoteSigner(
      name: auditOrigin, privateKeyRaw: Array(try KeyFile.loadOrCreate(path: signingKeyPath, bytes: 32)))
  }
}
