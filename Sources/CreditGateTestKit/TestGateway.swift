public import CreditGateClient
public import CreditGateCore
import CreditGateSQLite
public import CreditGateServer
public import Foundation
public import GRPCCore
public import GRPCNIOTransportHTTP2Posix
import Logging
import Synchronization

/// A real gateway for tests: the repository's configuration and published lists, a fresh
/// development PKI and SQLite database in a temporary folder, listening over mutual TLS on a
/// free loopback port.
public struct TestGateway: Sendable {
  public let directory: URL
  public let pki: DevelopmentPKI
  public let port: Int
  public let gateway: Gateway

  /// The repository root, found from this file's location.
  public static let repositoryRoot = URL(filePath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// The repository's `config/gateway.json`, pointed at `directory`.
  public static func configuration(in directory: URL) throws -> GatewayConfiguration {
    var configuration = try GatewayConfiguration.load(
      from: repositoryRoot.appending(path: "config/gateway.json").path)
    configuration.listsDirectory = repositoryRoot.appending(path: "config").path
    configuration.dataDirectory = directory.appending(path: "data").path
    configuration.certsDirectory = directory.appending(path: "certs").path
    configuration.listen = "127.0.0.1:0"
    configuration.metricsListen = nil
    return configuration
  }

  /// Runs `body` against a running gateway, then stops it and removes its folder — unless the
  /// folder was given (`reusing`), so that a second gateway can start on what the first left
  /// (its database, keys and PKI). `clock` is the gateway's (the TLS handshake keeps the
  /// system's).
  public static func withRunning<Result: Sendable>(
    reusing given: TemporaryDirectory? = nil,
    configure: (inout GatewayConfiguration) throws -> Void = { _ in },
    store: (any GatewayStore)? = nil,
    clock: @escaping @Sendable () -> Date = { Date() },
    _ body: (TestGateway) async throws -> Result
  ) async throws -> Result {
    let owned = given == nil ? TemporaryDirectory() : nil
    defer { owned?.remove() }
    let directory = (given ?? owned ?? TemporaryDirectory()).url
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    var configuration = try configuration(in: directory)
    try configure(&configuration)

    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let server = try await GatewayServer(
      configuration: configuration, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
      store: store, clock: clock
    ) { _, port in
      portContinuation.yield(port)
      portContinuation.finish()
    }
    return try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        defer { portContinuation.finish() }
        try await server.run()
      }
      defer { group.cancelAll() }
      // Throws what stopped the start, e.g. a tampered audit log.
      let gateway = try await server.gateway
      var iterator = ports.makeAsyncIterator()
      guard let port = await iterator.next() else {
        // The server stopped before it listened (e.g. the port is taken): throw why.
        try await group.next()
        throw CancellationError()
      }
      let running = TestGateway(
        directory: directory,
        pki: DevelopmentPKI(directory: URL(filePath: configuration.certsDirectory)),
        port: port, gateway: gateway)
      return try await body(running)
    }
  }

  /// A connection presenting the development PKI's certificate of `institution`.
  public func connection(as institution: String) -> GatewayConnection {
    GatewayConnection(host: "127.0.0.1", port: port, layout: pki.layout, institution: institution)
  }

  /// A connection presenting a certificate written to this gateway's folder.
  public func connection(presenting issued: CertificateAuthority.Issued, name: String) throws -> GatewayConnection {
    let certificate = directory.appending(path: "\(name).pem")
    let key = directory.appending(path: "\(name)-key.pem")
    try issued.certificatePEM.write(to: certificate, atomically: true, encoding: .utf8)
    try issued.privateKeyPEM.write(to: key, atomically: true, encoding: .utf8)
    return GatewayConnection(
      host: "127.0.0.1", port: port, certificate: certificate.path, privateKey: key.path,
      serverCA: pki.layout.caCertificate.path)
  }

  /// A client that offers no certificate at all (it still trusts the gateway's CA).
  public func withAnonymousClient<Result: Sendable>(
    _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    let transport = try HTTP2ClientTransport.Posix(
      target: .ipv4(address: "127.0.0.1", port: port),
      transportSecurity: .tls { tls in
        tls.trustRoots = .certificates([.file(path: pki.layout.caCertificate.path, format: .pem)])
      })
    return try await withGRPCClient(transport: transport, handleClient: body)
  }

  /// This gateway's whole audit log, in order.
  public func auditEntries() async throws -> [AuditEntry] {
    try await gateway.store.search(AuditFilter(origin: gateway.auditOrigin, limit: 100_000))
  }
}

/// A store with switches for tests. Its audit appends can be switched to fail, to test that
/// the gateway fails closed; everything else goes to `base`, so a change that fails with its
/// entry is seen not to land. And records can be hidden, as if they had never been stored, to
/// compare an answer with its twin without them. Reads of records can be made to fail. It also
/// notes its lifecycle, to test that the gateway runs it before it queries it and stops it after.
public final class TestStore: GatewayStore {
  public let base: InMemoryStore
  private let failing = Mutex(false)
  private let hidden = Mutex(Set<String>())
  private let readFailure = Mutex<(any Error & Sendable)?>(nil)
  private let lifecycle = Mutex(Lifecycle())

  /// What happened to the store's lifecycle so far.
  public struct Lifecycle: Sendable, Hashable {
    /// `run` was called and the store declared itself ready.
    public var ran = false
    /// `run` returned: the store was stopped.
    public var stopped = false
    /// Calls made before the store ran, or after it stopped.
    public var callsOutsideRun = 0
  }

  /// A store over `base`, a fresh in-memory store unless given.
  public init(base: InMemoryStore = InMemoryStore()) {
    self.base = base
  }

  /// Makes audit appends and probes fail (with `StorageError`), or work again.
  public func setFailing(_ value: Bool) { failing.withLock { $0 = value } }

  /// From now on, the records with these ids are not in the store.
  public func hide(recordIDs: Set<String>) { hidden.withLock { $0 = recordIDs } }

  /// From now on, reading a subject's records throws `error` (nil: reads work again).
  public func failRecordReads(with error: (any Error & Sendable)?) { readFailure.withLock { $0 = error } }

  /// What the store's lifecycle has seen so far.
  public var lifecycleSoFar: Lifecycle { lifecycle.withLock { $0 } }

  /// Ready at once; stopped at graceful shutdown or cancellation.
  public func run(onReady: @Sendable () -> Void) async throws {
    lifecycle.withLock { $0.ran = true }
    onReady()
    await GatewayStorage.untilShutdown()
    lifecycle.withLock { $0.stopped = true }
  }

  struct Unavailable: Error {}

  /// Notes a call made while the store is not running.
  private func note() {
    lifecycle.withLock { if !$0.ran || $0.stopped { $0.callsOutsideRun += 1 } }
  }

  private func check(_ operation: String) throws {
    note()
    if failing.withLock({ $0 }) { throw StorageError(operation, underlying: Unavailable()) }
  }

  /// Appends to `base`, unless switched to fail.
  public func append(_ batch: [AuditAppend], origin: String, seal: @escaping AuditSeal) async throws -> [AuditCommit] {
    try check("append audit entries")
    return try await base.append(batch, origin: origin, seal: seal)
  }

  /// Fails while switched to fail.
  public func probeWritable(origin: String) async throws { try check("probe the audit log") }
  /// Searches `base`.
  public func search(_ filter: AuditFilter) async throws -> [AuditEntry] {
    note()
    return try await base.search(filter)
  }
  /// The size of the log in `base`.
  public func size(origin: String) async throws -> UInt64 {
    note()
    return try await base.size(origin: origin)
  }
  /// The entries of the log in `base`.
  public func storedLeaves(origin: String, after sequence: UInt64, limit: Int) async throws -> [StoredLeaf] {
    note()
    return try await base.storedLeaves(origin: origin, after: sequence, limit: limit)
  }
  /// Where the links of the log in `base` start.
  public func subjectChainStart(origin: String) async throws -> UInt64 {
    note()
    return try await base.subjectChainStart(origin: origin)
  }
  /// The checkpoints of the log in `base`.
  public func checkpoints(origin: String) async throws -> [SignedCheckpoint] {
    note()
    return try await base.checkpoints(origin: origin)
  }

  /// Forwards to `base`.
  public func registerSubjects(_ subjects: [Subject]) async throws {
    note()
    try await base.registerSubjects(subjects)
  }
  /// Forwards to `base`.
  public func subject(code: String) async throws -> Subject? {
    note()
    return try await base.subject(code: code)
  }
  /// Forwards to `base`.
  public func subjectKinds(codes: [String]) async throws -> [String: SubjectKind] {
    note()
    return try await base.subjectKinds(codes: codes)
  }
  /// Forwards to `base`.
  public func submitRecords(_ records: [RecordContent]) async throws -> [CreditRecord] {
    note()
    return try await base.submitRecords(records)
  }
  /// The subject's records in `base`, less the hidden ones.
  public func records(subjectCode: String) async throws -> [CreditRecord] {
    note()
    if let error = readFailure.withLock({ $0 }) { throw error }
    let hidden = hidden.withLock { $0 }
    return try await base.records(subjectCode: subjectCode).filter { !hidden.contains($0.id) }
  }
  /// The record in `base`, unless it is hidden.
  public func record(id: String) async throws -> CreditRecord? {
    note()
    return hidden.withLock { $0.contains(id) } ? nil : try await base.record(id: id)
  }
  /// Forwards to `base`.
  public func subjectCount() async throws -> Int {
    note()
    return try await base.subjectCount()
  }

  /// Forwards to `base`.
  public func subjectCodes(withRecordsIn categories: [String], after: String, limit: Int) async throws -> [String] {
    note()
    return try await base.subjectCodes(withRecordsIn: categories, after: after, limit: limit)
  }
  /// Forwards to `base`.
  public func suspensions() async throws -> [Suspension] {
    note()
    return try await base.suspensions()
  }
  /// Forwards to `base`.
  public func cases(status: CaseStatus?) async throws -> [CreditCase] {
    note()
    return try await base.cases(status: status)
  }
  /// Forwards to `base`.
  public func cases(subjectCode: String) async throws -> [CreditCase] {
    note()
    return try await base.cases(subjectCode: subjectCode)
  }
  /// Forwards to `base`.
  public func creditCase(id: String) async throws -> CreditCase? {
    note()
    return try await base.creditCase(id: id)
  }

  /// Forwards to `base`.
  public func insertConsent(_ consent: Consent) async throws {
    note()
    try await base.insertConsent(consent)
  }
  /// Forwards to `base`.
  public func consent(id: String) async throws -> Consent? {
    note()
    return try await base.consent(id: id)
  }
  /// Forwards to `base`.
  public func consents(subjectCode: String) async throws -> [Consent] {
    note()
    return try await base.consents(subjectCode: subjectCode)
  }
  /// Forwards to `base`.
  public func revokeConsent(id: String, at: Date) async throws -> Consent? {
    note()
    return try await base.revokeConsent(id: id, at: at)
  }
  /// Forwards to `base`.
  public func useConsent(
    id: String, now: @Sendable () -> Date, check: @Sendable (Consent?, Date) -> ConsentRules.Refusal?
  ) async throws -> ConsentRules.Refusal? {
    note()
    return try await base.useConsent(id: id, now: now, check: check)
  }
}
