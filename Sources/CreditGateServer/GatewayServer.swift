public import CreditGateCore
public import Foundation
import GRPCCore
public import GRPCNIOTransportHTTP2Posix
public import Logging
import Crypto
public import ServiceLifecycle

/// The gateway as a long-lived service: keys and PKI in place, storage opened, gRPC over mutual
/// TLS on the configured address. Run it in a `ServiceGroup` for graceful shutdown.
///
/// It runs a service group of its own: the store first (`StorageService`), then the part that
/// checks the audit log and serves calls, which waits until the store is ready; at shutdown the
/// calls drain first and the store closes last.
public struct GatewayServer: Service {
  private let group: ServiceGroup
  private let started: Latch<Gateway>

  /// Prepares everything the server needs; a mistake in the configuration or the lists stops
  /// here with a message naming the file and the problem. Nothing queries the store until
  /// `run` has started it.
  /// - Parameter store: a store to use instead of the configured `storage` (tests inject
  ///   failing or in-memory ones here). The server runs it and closes it when it stops.
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
    let calendar = try WorkingCalendar.load(from: listsDirectory)
    let repairGrounds = try RepairGrounds.load(from: listsDirectory, lists: lists)
    if let warning = calendar.endingWarning(today: LocalDate.todayInChina(now: clock())) {
      logger.warning("the holiday calendar ends soon", metadata: ["warning": "\(warning)"])
    }
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

    if configuration.relaxedAuditDurability {
      logger.critical(
        "AUDIT DURABILITY IS RELAXED: answers may leave before their audit entries reach the disk; for benchmark comparisons only, never in service",
        metadata: ["storage": "\(configuration.storageURL)"])
    }
    let storage = StorageService(
      store: try store
        ?? GatewayStorage.open(configuration.storageURL, relaxedDurability: configuration.relaxedAuditDurability))
    let key = try KeyFile.loadOrCreate(path: configuration.pseudonymKeyPath, bytes: 32)
    let started = Latch<Gateway>()
    let serving = Serving(
      configuration: configuration, lists: lists, evaluationModels: evaluationModels, calendar: calendar,
      repairGrounds: repairGrounds, institutions: institutions, pseudonymKey: key, signer: try configuration.auditSigner(),
      storage: storage, started: started, clock: clock, logger: logger, onListening: onListening)
    self.started = started
    // Named: a service's default name is its description, and the serving part holds keys.
    self.group = ServiceGroup(
      configuration: ServiceGroupConfiguration(
        services: [.init(service: storage, serviceName: "storage"), .init(service: serving, serviceName: "gateway")],
        logger: logger))
  }

  /// The gateway, once `run` has started the store and found the audit log intact; throws what
  /// stopped the start (e.g. `AuditLogIntegrityError`).
  public var gateway: Gateway {
    get async throws { try await started.value() }
  }

  /// Runs the store, then serves until graceful shutdown (or cancellation).
  public func run() async throws {
    do {
      try await group.run()
    } catch {
      started.set(.failure(error))
      throw error
    }
    // Shut down before it started: nothing to hand out.
    started.set(.failure(CancellationError()))
  }

  /// Stops taking calls, lets those in flight finish, then closes the store; `run` returns
  /// when it is done. (A server run in an outer service group is shut down by that group.)
  public func triggerGracefulShutdown() async {
    await group.triggerGracefulShutdown()
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
