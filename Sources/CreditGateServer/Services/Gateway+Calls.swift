import CreditGateCore
import Crypto
import Foundation
import GRPCCore
import Logging
import CoreMetrics
import SwiftProtobuf

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
    _ body: (Caller, inout AuditFacts) async throws -> Output
  ) async throws -> ServerResponse<Output> {
    try await handleChanging(service, request: request, context: context) {
      caller, facts in .answer(try await body(caller, &facts))
    }
  }

  /// Runs one unary call whose body may change stored state: the change it returns commits in
  /// the transaction of the call's audit entry, and the answer is built from what was stored.
  func handleChanging<Input: SwiftProtobuf.Message, Output: SwiftProtobuf.Message>(
    _ service: GatewayService,
    request: ServerRequest<Input>,
    context: ServerContext,
    _ body: (Caller, inout AuditFacts) async throws -> Reply<Output>
  ) async throws -> ServerResponse<Output> {
    var (message, queryID, warnings) = try await perform(
      service, request: request, context: context, digest: Self.digest, body)
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
      service, request: request, context: context, digest: { messages in Self.digest(messages) }, { caller, facts in .answer(try await body(caller, &facts)) })
    let trailers = Self.trailers(queryID, warnings: warnings)
    return StreamingServerResponse { writer in
      try await writer.write(contentsOf: messages)
      return trailers
    }
  }

  /// Authenticates the certificate, checks the role (and the operator where
  /// `AccessPolicy.requiresOperator` asks for one), runs
  /// `body`, and appends the audit entry — answered, refused or invalid — before anything is
  /// sent; a change the body returns commits with the entry, or not at all. Refusals are thrown
  /// as `RPCError`s carrying `x-query-id`. If the entry cannot be committed the call fails with
  /// `UNAVAILABLE`, discloses nothing and changes nothing. Returns the answer and the query id.
  private func perform<Input: SwiftProtobuf.Message, Output: Sendable>(
    _ service: GatewayService,
    request: ServerRequest<Input>,
    context: ServerContext,
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
      service, request: request, context: context, admitted: admitted, operatorID: operatorID, &facts, body)
    // Recorded as sent when valid; an invalid id is refused, and recorded empty.
    let recordedOperator = Self.recordedOperator(operatorID)
    let entry = AuditEntry(
      origin: auditOrigin, time: clock(), institutionID: claim?.commonName ?? "",
      certificateFingerprint: claim?.fingerprint ?? "", operatorID: recordedOperator,
      method: "/" + context.descriptor.fullyQualifiedMethod, purpose: facts.purpose,
      consentID: facts.consentID,
      // A call refused before its handler recorded the subject is still about the one its
      // request names (parsed only then: a handler that ran has recorded it already).
      subjectPseudonym: pseudonymizer.pseudonym(
        facts.subjectCode.isEmpty ? AuditFacts.namedSubject(request.message) : facts.subjectCode),
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
          // A rule the change checked against the stored state (a case already open, say).
          case .failure(let refusal as GatewayError): entry.refuse(refusal)
          case .failure: entry.refuse(Self.changeFailed)
          }
        })
      if case .failure(let refusal as GatewayError)? = committed.change {
        throw RPCError(refusal, trailers: Self.trailers(committed.entry.sequence, warnings: facts.warnings))
      }
      guard case .success(let stored)? = committed.change else {
        // Rolled back (or, from a faulty backend, no result at all): the entry says so.
        logger.error(
          "storage failed; the change was rolled back",
          metadata: ["method": "\(entry.method)", "error": "\(String(describing: committed.change))"])
        throw RPCError(Self.changeFailed, trailers: Self.trailers(committed.entry.sequence, warnings: facts.warnings))
      }
      return (respond(stored), committed.entry.sequence, facts.warnings)
    case .failure(let error):
      var refused = entry
      refused.refuse(error)
      let committed = try await audit(AuditAppend(entry: refused))
      throw RPCError(error, trailers: Self.trailers(committed.entry.sequence, warnings: facts.warnings))
    }
  }

  /// The refusal of a call whose change the store could not apply (it was rolled back).
  static let changeFailed = GatewayError(.unavailable, "storage is unavailable; nothing was changed")
  /// The refusal of a call the storage failed (`StorageError`).
  static let storageUnavailable = GatewayError(.unavailable, "storage is unavailable")
  /// The refusal of a call that failed for a reason neither the caller's nor the storage's.
  static let internalFault = GatewayError(.internalError, "the gateway failed; the fault is logged")

  static let operatorLimit = 128

  static func trailers(_ queryID: UInt64, warnings: [String]) -> Metadata {
    var trailers = Metadata()
    trailers.addString(String(queryID), forKey: queryIDHeader)
    for warning in warnings { trailers.addString(warning, forKey: warningHeader) }
    return trailers
  }

  /// The part of a call before the audit entry: everything that may refuse it, then the body.
  /// `operatorID` is the `x-operator-id` sent, empty if none.
  private func run<Input: SwiftProtobuf.Message, Output>(
    _ service: GatewayService,
    request: ServerRequest<Input>,
    context: ServerContext,
    admitted: Bool,
    operatorID: String,
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
    // A suspended institution (or operator) is refused from its next call on, whatever it calls.
    if let refusal = suspensions.refusal(institutionID: caller.institution.id, operatorID: operatorID, now: clock()) {
      return (claim, .failure(refusal))
    }
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
      if AccessPolicy.requiresOperator(caller.institution, service: service) {
        guard !operatorID.trimmingCharacters(in: .whitespaces).isEmpty else {
          throw GatewayError.invalid(
            Self.operatorHeader,
            "metadata header is required for query methods and for the portal's calls (the verified person's session)")
        }
        guard operatorID.count <= Self.operatorLimit else {
          throw GatewayError.invalid(Self.operatorHeader, "must be at most \(Self.operatorLimit) characters")
        }
      }
      return (claim, .success(try await body(caller, &facts)))
    } catch let error as GatewayError {
      return (claim, .failure(error))
    } catch let error as StorageError {
      logger.error(
        "storage failed", metadata: ["method": "\(context.descriptor.fullyQualifiedMethod)", "error": "\(error)"])
      return (claim, .failure(Self.storageUnavailable))
    } catch {
      // Not the caller's fault and not the storage's: a fault of the gateway, answered as one.
      logger.critical(
        "unexpected error", metadata: ["method": "\(context.descriptor.fullyQualifiedMethod)", "error": "\(error)"])
      return (claim, .failure(Self.internalFault))
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
    case .notFound, .failedPrecondition, .unavailable, .unimplemented, .internalError: return .failed
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
    return hash.finalize().hex
  }

  static func digest(_ message: some SwiftProtobuf.Message) -> String { digest([message]) }
}
