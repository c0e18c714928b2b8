public import CreditGateCore
public import Foundation
public import GRPCCore
public import Logging
public import CoreMetrics
import SwiftProtobuf
import Crypto
import CreditGateSQLite

/// Everything the services share: the lists, the institutions, storage, the audit writer.
public struct Gateway: Sendable {
  public let lists: PublishedLists
  public let evaluationModels: EvaluationModels
  public let policy: AccessPolicy
  public let authenticator: Authenticator
  public let store: any CreditStore
  public let auditLog: any AuditLogStore
  public let consents: any ConsentStore
  public let quota: QuotaLimiter
  /// The longest a consent may run.
  public let consentMaximumDays: Int
  public let auditWriter: AuditWriter
  public let pseudonymizer: Pseudonymizer
  public let auditOrigin: String
  public let clock: @Sendable () -> Date
  public let logger: Logger
  /// Where the usage counters go (Prometheus in `serve`; nothing by default).
  public let metrics: any MetricsFactory

  public init(
    lists: PublishedLists, evaluationModels: EvaluationModels, institutions: [Institution],
    revokedSerials: [String], storage: GatewayStorage, pseudonymizer: Pseudonymizer,
    consentMaximumDays: Int = ConsentRules.defaultMaximumDays,
    auditTree: MerkleTree = MerkleTree(), auditSigner: NoteSigner? = nil,
    metrics: any MetricsFactory = NOOPMetricsHandler.instance,
    auditOrigin: String, clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger
  ) {
    self.lists = lists
    self.evaluationModels = evaluationModels
    self.policy = AccessPolicy(lists: lists)
    self.authenticator = Authenticator(institutions: institutions, revokedSerials: revokedSerials)
    self.store = storage.credit
    self.auditLog = storage.auditLog
    self.consents = storage.consents
    self.quota = QuotaLimiter()
    self.consentMaximumDays = consentMaximumDays
    self.auditWriter = AuditWriter(store: storage.auditLog, tree: auditTree, signer: auditSigner)
    self.pseudonymizer = pseudonymizer
    self.auditOrigin = auditOrigin
    self.clock = clock
    self.logger = logger
    self.metrics = metrics
  }

  /// Today's date in China (UTC+8): disclosure periods and birth dates run on the local calendar.
  public var today: LocalDate { SubjectCode.todayInChina(now: clock()) }
}

/// The stores a gateway works on; one backend usually provides all three.
public struct GatewayStorage: Sendable {
  public var credit: any CreditStore
  public var auditLog: any AuditLogStore
  public var consents: any ConsentStore

  public init(credit: any CreditStore, auditLog: any AuditLogStore, consents: any ConsentStore) {
    self.credit = credit
    self.auditLog = auditLog
    self.consents = consents
  }

  /// Opens the stores a storage URL names: `sqlite:PATH`, or `memory:` for throw-away stores.
  public static func open(_ url: String) throws -> GatewayStorage {
    if url.hasPrefix("sqlite:") {
      let store = try SQLiteStore(path: String(url.dropFirst("sqlite:".count)))
      return GatewayStorage(credit: store, auditLog: store, consents: store)
    }
    if url == "memory:" {
      let store = InMemoryStore()
      return GatewayStorage(credit: store, auditLog: store, consents: InMemoryConsentStore())
    }
    throw ConfigurationError("storage: \"\(url)\" is not sqlite:PATH or memory:")
  }
}

/// What a handler learns while it works and the audit entry records.
struct AuditFacts: Sendable {
  var purpose = ""
  var consentID = ""
  /// The subject code as sent; only its pseudonym reaches the log.
  var subjectCode = ""
  var categoriesDisclosed: [String] = []
  var recordsDisclosed = 0
  var reason = ""
  /// Sent to the caller in `x-warning` trailers, e.g. an early organisation code accepted.
  var warnings: [String] = []

  /// Validates the request's subject code and records it: as sent, so that an invalid code is
  /// audited too, then normalised; its warnings go back to the caller.
  mutating func subject(_ text: String, field: String = "subject_code") throws(GatewayError) -> SubjectCode {
    subjectCode = text
    let code = try SubjectCode.validated(text, field: field)
    subjectCode = code.value
    warnings += code.warnings
    return code
  }
}

/// A response message that carries the query id of its audit entry.
protocol QueryIdentified: SwiftProtobuf.Message {
  var queryID: UInt64 { get set }
}

extension Gateway {
  static let operatorHeader = "x-operator-id"
  static let queryIDHeader = "x-query-id"
  static let warningHeader = "x-warning"

  /// Runs one unary call under the gateway's rules (see `perform`); the response carries the
  /// query id, and so does the trailing metadata.
  func handle<Output: SwiftProtobuf.Message>(
    _ service: GatewayService,
    metadata: Metadata,
    context: ServerContext,
    requiresOperator: Bool = false,
    _ body: (Caller, inout AuditFacts) async throws -> Output
  ) async throws -> ServerResponse<Output> {
    var (message, trailers) = try await perform(
      service, metadata: metadata, context: context, requiresOperator: requiresOperator,
      digest: Self.digest, body)
    if var identified = message as? any QueryIdentified,
      let queryID = trailers[stringValues: Self.queryIDHeader].first(where: { _ in true }).flatMap(UInt64.init)
    {
      identified.queryID = queryID
      message = identified as! Output
    }
    return ServerResponse(message: message, metadata: [:], trailingMetadata: trailers)
  }

  /// Runs one server-streaming call: the body collects the messages, the entry is committed,
  /// then the messages are sent; the query id travels in the trailing metadata.
  func handleStreaming<Output: SwiftProtobuf.Message>(
    _ service: GatewayService,
    metadata: Metadata,
    context: ServerContext,
    _ body: (Caller, inout AuditFacts) async throws -> [Output]
  ) async throws -> StreamingServerResponse<Output> {
    let (messages, trailers) = try await perform(
      service, metadata: metadata, context: context, requiresOperator: false,
      digest: { messages in Self.digest(messages) }, body)
    return StreamingServerResponse { writer in
      try await writer.write(contentsOf: messages)
      return trailers
    }
  }

  /// Authenticates the certificate, checks the role (and the operator for query methods), runs
  /// `body`, and appends the audit entry — answered, refused or invalid — before anything is
  /// sent. Refusals are thrown as `RPCError`s carrying `x-query-id`. If the entry cannot be
  /// committed the call fails with `UNAVAILABLE` and discloses nothing.
  private func perform<Output>(
    _ service: GatewayService,
    metadata: Metadata,
    context: ServerContext,
    requiresOperator: Bool,
    digest: (Output) -> String,
    _ body: (Caller, inout AuditFacts) async throws -> Output
  ) async throws -> (Output, trailers: Metadata) {
    var facts = AuditFacts()
    let operatorID = metadata[stringValues: Self.operatorHeader].first(where: { _ in true }) ?? ""
    let (claim, result) = await run(
      service, context: context, operatorID: requiresOperator ? operatorID : nil, &facts, body)
    // Recorded as sent (a refused over-long id only up to its limit).
    let recordedOperator = String(operatorID.prefix(Self.operatorLimit))
    switch result {
    case .success(let output):
      let entry = try await audit(
        context: context, claim: claim, operatorID: recordedOperator, facts: facts, outcome: .answered,
        statusCode: 0, responseDigest: digest(output))
      return (output, Self.trailers(entry.sequence, warnings: facts.warnings))
    case .failure(let error):
      facts.reason = error.message
      let status = RPCError.Code(error.code)
      let entry = try await audit(
        context: context, claim: claim, operatorID: recordedOperator, facts: facts,
        outcome: Self.outcome(of: error.code), statusCode: status.rawValue, responseDigest: "")
      throw RPCError(
        code: status, message: error.message,
        metadata: Self.trailers(entry.sequence, warnings: facts.warnings))
    }
  }

  static let operatorLimit = 128

  static func trailers(_ queryID: UInt64, warnings: [String]) -> Metadata {
    var trailers = Metadata()
    trailers.addString(String(queryID), forKey: queryIDHeader)
    for warning in warnings { trailers.addString(warning, forKey: warningHeader) }
    return trailers
  }

  /// The part of a call before the audit entry: everything that may refuse it, then the body.
  /// `operatorID` is nil for methods that need no operator.
  private func run<Output>(
    _ service: GatewayService,
    context: ServerContext,
    operatorID: String?,
    _ facts: inout AuditFacts,
    _ body: (Caller, inout AuditFacts) async throws -> Output
  ) async -> (Authenticator.Claim?, Result<Output, GatewayError>) {
    let caller: Caller
    switch authenticator.authenticate(context, now: clock()) {
    case .success(let authenticated): caller = authenticated
    case .failure(let failure): return (failure.claim, .failure(failure.error))
    }
    let claim = Authenticator.Claim(
      commonName: caller.institution.id, fingerprint: caller.certificateFingerprint)
    do {
      try policy.authorize(caller.institution, service: service, method: context.descriptor.method)
      if service == .creditQuery,
        !quota.allow(caller.institution.id, quotaPerMinute: caller.institution.quotaPerMinute, now: clock())
      {
        throw GatewayError(
          .resourceExhausted,
          "query quota of \(caller.institution.quotaPerMinute) per minute is spent; try again shortly")
      }
      if let operatorID {
        guard !operatorID.trimmingCharacters(in: .whitespaces).isEmpty else {
          throw GatewayError.invalid(Self.operatorHeader, "metadata header is required for query methods")
        }
        guard operatorID.count <= Self.operatorLimit else {
          throw GatewayError.invalid(Self.operatorHeader, "must be at most \(Self.operatorLimit) characters")
        }
      }
      return (claim, .success(try await body(caller, &facts)))
    } catch let error as GatewayError {
      return (claim, .failure(error))
    } catch {
      logger.error(
        "storage failed", metadata: ["method": "\(context.descriptor.fullyQualifiedMethod)", "error": "\(error)"])
      return (claim, .failure(GatewayError(.unavailable, "storage is unavailable")))
    }
  }

  private func audit(
    context: ServerContext, claim: Authenticator.Claim?, operatorID: String, facts: AuditFacts,
    outcome: AuditOutcome, statusCode: Int, responseDigest: String
  ) async throws -> AuditEntry {
    let entry = AuditEntry(
      origin: auditOrigin, time: clock(), institutionID: claim?.commonName ?? "",
      certificateFingerprint: claim?.fingerprint ?? "", operatorID: operatorID,
      method: "/" + context.descriptor.fullyQualifiedMethod, purpose: facts.purpose,
      consentID: facts.consentID, subjectPseudonym: pseudonymizer.pseudonym(facts.subjectCode),
      outcome: outcome, statusCode: statusCode, reason: facts.reason,
      categoriesDisclosed: facts.categoriesDisclosed, recordsDisclosed: facts.recordsDisclosed,
      responseDigest: responseDigest)
    do {
      let committed = try await auditWriter.append(entry)
      Counter(
        label: "creditgate_calls_total",
        dimensions: [
          ("institution", entry.institutionID), ("method", entry.method), ("outcome", outcome.rawValue),
        ],
        factory: metrics
      ).increment()
      logger.info(
        "call audited",
        metadata: [
          "method": "\(entry.method)", "institution": "\(entry.institutionID)",
          "outcome": "\(outcome.rawValue)", "query_id": "\(committed.sequence)",
        ])
      return committed
    } catch {
      logger.error(
        "audit append failed; refusing the call",
        metadata: ["method": "\(entry.method)", "error": "\(error)"])
      throw RPCError(
        code: .unavailable, message: "the audit log is unavailable; nothing was disclosed")
    }
  }

  static func outcome(of code: GatewayError.Code) -> AuditOutcome {
    switch code {
    case .invalidArgument: return .invalid
    case .unauthenticated, .permissionDenied, .resourceExhausted: return .denied
    default: return .failed
    }
  }

  /// SHA-256 of the deterministic encoding of the response (before its query id is set); for
  /// a stream, of the messages' encodings one after the other.
  static func digest(_ messages: [some SwiftProtobuf.Message]) -> String {
    var options = BinaryEncodingOptions()
    options.useDeterministicOrdering = true
    var hash = SHA256()
    for message in messages {
      let bytes: [UInt8] = (try? message.serializedBytes(options: options)) ?? []
      hash.update(data: bytes)
    }
    return hash.finalize().map { String(format: "%02x", $0) }.joined()
  }

  static func digest(_ message: some SwiftProtobuf.Message) -> String { digest([message]) }
}

extension RPCError.Code {
  init(_ code: GatewayError.Code) {
    switch code {
    case .invalidArgument: self = .invalidArgument
    case .unauthenticated: self = .unauthenticated
    case .permissionDenied: self = .permissionDenied
    case .notFound: self = .notFound
    case .resourceExhausted: self = .resourceExhausted
    case .failedPrecondition: self = .failedPrecondition
    case .unavailable: self = .unavailable
    default: self = .unimplemented
    }
  }
}
