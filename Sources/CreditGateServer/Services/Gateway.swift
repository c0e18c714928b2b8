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
  /// Records, subjects, consents and the audit log: one backend, so that a call's change and
  /// its audit entry commit in one transaction.
  public let store: any GatewayStore
  public let quota: QuotaLimiter
  /// Calls in flight across the server (`max_calls_in_flight`); past it, refused at once.
  public let admission: AdmissionLimiter
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
    revokedSerials: [String], store: any GatewayStore, auditWriter: AuditWriter,
    pseudonymizer: Pseudonymizer, consentMaximumDays: Int = ConsentRules.defaultMaximumDays,
    metrics: any MetricsFactory = NOOPMetricsHandler.instance,
    auditOrigin: String, clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger,
    admissionLimit: Int = AdmissionLimiter.defaultLimit
  ) {
    self.lists = lists
    self.evaluationModels = evaluationModels
    self.policy = AccessPolicy(lists: lists)
    self.authenticator = Authenticator(institutions: institutions, revokedSerials: revokedSerials)
    self.store = store
    self.quota = QuotaLimiter()
    self.admission = AdmissionLimiter(limit: admissionLimit)
    self.consentMaximumDays = consentMaximumDays
    self.auditWriter = auditWriter
    self.pseudonymizer = pseudonymizer
    self.auditOrigin = auditOrigin
    self.clock = clock
    self.logger = logger
    self.metrics = metrics
  }

  /// Today's date in China (UTC+8): disclosure periods and birth dates run on the local calendar.
  public var today: LocalDate { SubjectCode.todayInChina(now: clock()) }
}

/// Everything a gateway stores, in one backend.
public typealias GatewayStore = CreditStore & ConsentStore & AuditLogStore

/// Opens storage backends by URL.
public enum GatewayStorage {
  /// Opens the store a storage URL names: `sqlite:PATH`, or `memory:` for a throw-away store.
  public static func open(_ url: String) throws -> any GatewayStore {
    if url.hasPrefix("sqlite:") {
      return try SQLiteStore(path: String(url.dropFirst("sqlite:".count)))
    }
    if url == "memory:" {
      return InMemoryStore()
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
  func handle<Input: SwiftProtobuf.Message, Output: SwiftProtobuf.Message>(
    _ service: GatewayService,
    request: ServerRequest<Input>,
    context: ServerContext,
    requiresOperator: Bool = false,
    _ body: (Caller, inout AuditFacts) async throws -> Output
  ) async throws -> ServerResponse<Output> {
    try await handleChanging(service, request: request, context: context, requiresOperator: requiresOperator) {
      caller, facts in .answer(try await body(caller, &facts))
    }
  }

  /// Runs one unary call whose body may change stored state: the change it returns commits in
  /// the transaction of the call's audit entry, and the answer is built from what was stored.
  func handleChanging<Input: SwiftProtobuf.Message, Output: SwiftProtobuf.Message>(
    _ service: GatewayService,
    request: ServerRequest<Input>,
    context: ServerContext,
    requiresOperator: Bool = false,
    _ body: (Caller, inout AuditFacts) async throws -> Reply<Output>
  ) async throws -> ServerResponse<Output> {
    var (message, queryID, warnings) = try await perform(
      service, request: request, context: context, requiresOperator: requiresOperator,
      digest: Self.digest, body)
    if var identified = message as? any QueryIdentified {
      identified.queryID = queryID
      if let output = identified as? Output { message = output }
    }
    return ServerResponse(message: message, metadata: [:], trailingMetadata: Self.trailers(queryID, warnings: warnings))
  }

  /// Runs one server-streaming call: the body collects the messages, the entry is committed,
  /// then the messages are sent; the query id travels in the trailing metadata.
  func handleStreaming<Input: SwiftProtobuf.Message, Output: SwiftProtobuf.Message>(
    _ service: GatewayService,
    request: ServerRequest<Input>,
    context: ServerContext,
    _ body: (Caller, inout AuditFacts) async throws -> [Output]
  ) async throws -> StreamingServerResponse<Output> {
    let (messages, queryID, warnings) = try await perform(
      service, request: request, context: context, requiresOperator: false,
      digest: { messages in Self.digest(messages) }, { caller, facts in .answer(try await body(caller, &facts)) })
    let trailers = Self.trailers(queryID, warnings: warnings)
    return StreamingServerResponse { writer in
      try await writer.write(contentsOf: messages)
      return trailers
    }
  }

  /// Authenticates the certificate, checks the role (and the operator for query methods), runs
  /// `body`, and appends the audit entry — answered, refused or invalid — before anything is
  /// sent; a change the body returns commits with the entry, or not at all. Refusals are thrown
  /// as `RPCError`s carrying `x-query-id`. If the entry cannot be committed the call fails with
  /// `UNAVAILABLE`, discloses nothing and changes nothing. Returns the answer and the query id.
  private func perform<Input: SwiftProtobuf.Message, Output: Sendable>(
    _ service: GatewayService,
    request: ServerRequest<Input>,
    context: ServerContext,
    requiresOperator: Bool,
    digest: @escaping @Sendable (Output) -> String,
    _ body: (Caller, inout AuditFacts) async throws -> Reply<Output>
  ) async throws -> (Output, queryID: UInt64, warnings: [String]) {
    var facts = AuditFacts()
    let operatorID = request.metadata[stringValues: Self.operatorHeader].first(where: { _ in true }) ?? ""
    // The slot is held until the entry is committed: the audit append is most of a call's work,
    // and what the bound is for.
    let admitted = admission.tryAcquire()
    defer { if admitted { admission.release() } }
    let (claim, result) = await run(
      service, request: request, context: context, admitted: admitted,
      operatorID: requiresOperator ? operatorID : nil, &facts, body)
    // Recorded as sent when valid; an invalid id is refused, and recorded empty.
    let recordedOperator = Self.recordedOperator(operatorID)
    let entry = AuditEntry(
      origin: auditOrigin, time: clock(), institutionID: claim?.commonName ?? "",
      certificateFingerprint: claim?.fingerprint ?? "", operatorID: recordedOperator,
      method: "/" + context.descriptor.fullyQualifiedMethod, purpose: facts.purpose,
      consentID: facts.consentID, subjectPseudonym: pseudonymizer.pseudonym(facts.subjectCode),
      outcome: .answered, statusCode: 0, reason: facts.reason,
      categoriesDisclosed: facts.categoriesDisclosed, recordsDisclosed: facts.recordsDisclosed)
    switch result {
    case .success(.answer(let output)):
      var answered = entry
      answered.responseDigest = digest(output)
      let committed = try await audit(AuditAppend(entry: answered))
      return (output, committed.entry.sequence, facts.warnings)
    case .success(.change(let change, let respond)):
      let committed = try await audit(
        AuditAppend(entry: entry, change: change) { result, entry in
          switch result {
          case .success(let stored): entry.responseDigest = digest(respond(stored))
          case .failure: entry.refuse(Self.changeFailed)
          }
        })
      guard case .success(let stored)? = committed.change else {
        // Rolled back (or, from a faulty backend, no result at all): the entry says so.
        logger.error(
          "storage failed; the change was rolled back",
          metadata: ["method": "\(entry.method)", "error": "\(String(describing: committed.change))"])
        throw RPCError(Self.changeFailed, metadata: Self.trailers(committed.entry.sequence, warnings: facts.warnings))
      }
      return (respond(stored), committed.entry.sequence, facts.warnings)
    case .failure(let error):
      var refused = entry
      refused.refuse(error)
      let committed = try await audit(AuditAppend(entry: refused))
      throw RPCError(error, metadata: Self.trailers(committed.entry.sequence, warnings: facts.warnings))
    }
  }

  /// The refusal of a call whose change the store could not apply (it was rolled back).
  static let changeFailed = GatewayError(.unavailable, "storage is unavailable; nothing was changed")

  static let operatorLimit = 128

  static func trailers(_ queryID: UInt64, warnings: [String]) -> Metadata {
    var trailers = Metadata()
    trailers.addString(String(queryID), forKey: queryIDHeader)
    for warning in warnings { trailers.addString(warning, forKey: warningHeader) }
    return trailers
  }

  /// The part of a call before the audit entry: everything that may refuse it, then the body.
  /// `operatorID` is nil for methods that need no operator.
  private func run<Input: SwiftProtobuf.Message, Output>(
    _ service: GatewayService,
    request: ServerRequest<Input>,
    context: ServerContext,
    admitted: Bool,
    operatorID: String?,
    _ facts: inout AuditFacts,
    _ body: (Caller, inout AuditFacts) async throws -> Reply<Output>
  ) async -> (Authenticator.Claim?, Result<Reply<Output>, GatewayError>) {
    let caller: Caller
    switch authenticator.authenticate(context, now: clock()) {
    case .success(let authenticated): caller = authenticated
    case .failure(let failure): return (failure.claim, .failure(failure.error))
    }
    let claim = Authenticator.Claim(
      commonName: caller.institution.id, fingerprint: caller.certificateFingerprint)
    // Past the bound on calls in flight, refuse at once (still audited) rather than queue.
    guard admitted else {
      return (claim, .failure(GatewayError(.resourceExhausted, admission.refusalReason)))
    }
    do {
      // Every caller-supplied string is checked before anything else reads it (DESIGN §2).
      try Self.validateRequest(request.message)
      if let sent = request.metadata[stringValues: Self.operatorHeader].first(where: { _ in true }) {
        try Self.validateOperator(sent)
      }
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

  /// Commits one call's entry (and its change) through the group-commit writer; if it cannot
  /// be committed, the call fails with `UNAVAILABLE` and nothing is disclosed.
  func audit(_ item: AuditAppend) async throws -> AuditCommit {
    do {
      let committed = try await auditWriter.append(item)
      let entry = committed.entry
      Counter(
        label: "creditgate_calls_total",
        dimensions: [
          ("institution", entry.institutionID), ("method", entry.method), ("outcome", entry.outcome.rawValue),
        ],
        factory: metrics
      ).increment()
      logger.info(
        "call audited",
        metadata: [
          "method": "\(entry.method)", "institution": "\(entry.institutionID)",
          "outcome": "\(entry.outcome.rawValue)", "query_id": "\(entry.sequence)",
        ])
      return committed
    } catch {
      logger.error(
        "audit append failed; refusing the call",
        metadata: ["method": "\(item.entry.method)", "error": "\(error)"])
      throw RPCError(code: .unavailable, message: Self.auditUnavailable)
    }
  }

  /// The message of a call refused because its entry could not be committed (no `x-query-id`;
  /// `AuditingTransport` knows it by this message and does not try again).
  static let auditUnavailable = "the audit log is unavailable; nothing was disclosed or changed"

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

/// What a handler's body produces: an answer, or a state change with the way to answer from
/// what the store made of it.
enum Reply<Output: Sendable>: Sendable {
  case answer(Output)
  case change(StateChange, respond: @Sendable (StateChangeResult) -> Output)
}

extension AuditEntry {
  /// Turns the entry into the record of a refusal: the outcome, status and reason of `error`,
  /// and nothing disclosed.
  mutating func refuse(_ error: GatewayError) {
    outcome = Gateway.outcome(of: error.code)
    statusCode = RPCError.Code(error.code).rawValue
    reason = error.message
    categoriesDisclosed = []
    recordsDisclosed = 0
    responseDigest = ""
  }
}

extension RPCError {
  init(_ error: GatewayError, metadata: Metadata) {
    self.init(code: RPCError.Code(error.code), message: error.message, metadata: metadata)
  }
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
