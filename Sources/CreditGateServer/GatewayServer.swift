public import CreditGateCore
public import Foundation
public import GRPCCore
import GRPCNIOTransportHTTP2Posix
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
  /// - Parameter storage: stores to use instead of the configured `storage` (tests inject
  ///   failing or in-memory ones here).
  public init(
    configuration: GatewayConfiguration, logger: Logger,
    storage: GatewayStorage? = nil,
    clock: @escaping @Sendable () -> Date = { Date() },
    onListening: @escaping @Sendable (_ host: String, _ port: Int) -> Void
  ) async throws {
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

    let storage = try storage ?? GatewayStorage.open(configuration.storageURL)
    let store = storage.credit
    let key = try KeyFile.loadOrCreate(path: configuration.pseudonymKeyPath, bytes: 32)
    let signer = try NoteSigner(
      name: configuration.auditOrigin,
      privateKeyRaw: Array(try KeyFile.loadOrCreate(path: configuration.signingKeyPath, bytes: 32)))
    let tree = try MerkleTree(leafHashes: try await storage.auditLog.leafHashes())
    let registry = PrometheusCollectorRegistry()
    self.registry = registry
    self.gateway = Gateway(
      lists: lists, evaluationModels: evaluationModels, institutions: institutions, revokedSerials: configuration.revokedSerials,
      storage: storage, pseudonymizer: Pseudonymizer(keyBytes: key),
      consentMaximumDays: configuration.consentMaximumDays, auditTree: tree, auditSigner: signer,
      metrics: PrometheusMetricsFactory(registry: registry),
      auditOrigin: configuration.auditOrigin, clock: clock, logger: logger)
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
    let security = HTTP2ServerTransport.Posix.TransportSecurity.mTLS(
      certificateChain: [.file(path: configuration.serverCertificatePath, format: .pem)],
      privateKey: .file(path: configuration.serverKeyPath, format: .pem)
    ) { tls in
      // Only the gateway's client CA, never the system roots.
      tls.trustRoots = .certificates([.file(path: configuration.clientCAPath, format: .pem)])
      tls.clientCertificateVerification = .noHostnameVerification
    }
    let transport = HTTP2ServerTransport.Posix(
      address: host.contains(":") ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port),
      transportSecurity: security)
    let server = GRPCServer(
      transport: transport,
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

/// A secret key in a file of its own, created with owner-only permissions on first use.
enum KeyFile {
  static func loadOrCreate(path: String, bytes: Int) throws -> Data {
    if let data = FileManager.default.contents(atPath: path) {
      guard data.count == bytes else {
        throw ConfigurationError("\(path): expected a \(bytes)-byte key, found \(data.count) bytes")
      }
      return data
    }
    try FileManager.default.createDirectory(
      at: URL(filePath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
    let key = SymmetricKey(size: SymmetricKeySize(bitCount: bytes * 8)).withUnsafeBytes { Data($0) }
    guard FileManager.default.createFile(atPath: path, contents: key, attributes: [.posixPermissions: 0o600])
    else { throw ConfigurationError("\(path): cannot create the key file") }
    return key
  }
}
