import CreditGateCore
public import CreditGateProtos
import Foundation
public import GRPCCore
import SwiftProtobuf
import Synchronization

/// `Oversight`: the privacy office reviews the audit log; everyone may read the published lists.
public struct OversightService: Creditgate_V1_Oversight.ServiceProtocol {
  let gateway: Gateway
  static let defaultLimit = 1000
  static let maximumLimit = 10_000
  static let maximumExport = 100_000

  /// Creates the service over the shared gateway.
  public init(gateway: Gateway) {
    self.gateway = gateway
  }

  /// `Oversight.SearchAuditLog`: the entries that match the filter, across every log in the store.
  public func searchAuditLog(
    request: ServerRequest<Creditgate_V1_SearchAuditLogRequest>, context: ServerContext
  ) async throws -> StreamingServerResponse<Creditgate_V1_AuditEntry> {
    try await gateway.handleStreaming(.oversight, request: request, context: context) {
      _, facts in
      let subject = request.message.subjectCode.isEmpty ? nil : try facts.subject(request.message.subjectCode)
      let filter = try auditFilter(request.message, subject: subject)
      let entries = try await gateway.store.search(filter)
      facts.recordsDisclosed = entries.count
      return entries.map(Creditgate_V1_AuditEntry.init)
    }
  }

  func auditFilter(
    _ message: Creditgate_V1_SearchAuditLogRequest, subject: SubjectCode?
  ) throws(GatewayError) -> AuditFilter {
    var filter = AuditFilter()
    filter.institutionID = message.institutionID.nonEmpty
    filter.method = message.method.nonEmpty
    filter.purpose = message.purpose.nonEmpty
    if let outcome = message.outcome.nonEmpty {
      guard let parsed = AuditOutcome(rawValue: outcome.uppercased()) else {
        let known = AuditOutcome.allCases.map(\.rawValue).joined(separator: ", ")
        throw .invalid("outcome", "must be one of \(known)")
      }
      filter.outcome = parsed
    }
    filter.subjectPseudonym = subject.map { gateway.pseudonymizer.pseudonym($0.value) }
    if message.hasFrom { filter.from = message.from.date }
    if message.hasUntil { filter.until = message.until.date }
    if let from = filter.from, let until = filter.until, until < from {
      throw .invalid("until", "is before from")
    }
    guard message.limit <= Self.maximumLimit else {
      throw .invalid("limit", "must be at most \(Self.maximumLimit)")
    }
    filter.limit = message.limit == 0 ? Self.defaultLimit : Int(message.limit)
    filter.afterSequence = message.afterSequence
    return filter
  }

  /// `Oversight.GetPublishedLists`: the catalogue, the application list and the measures; open to all.
  public func getPublishedLists(
    request: ServerRequest<Creditgate_V1_GetPublishedListsRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_PublishedLists> {
    try await gateway.handle(.oversight, request: request, context: context) { _, _ in
      Creditgate_V1_PublishedLists(gateway.lists)
    }
  }

  /// `Oversight.GetCheckpoint`: the latest signed checkpoint of this gateway's log.
  public func getCheckpoint(
    request: ServerRequest<Creditgate_V1_GetCheckpointRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_Checkpoint> {
    try await gateway.handle(.oversight, request: request, context: context) { _, _ in
      try checkOrigin(request.message.origin)
      guard let signed = gateway.auditWriter.checkpoint else {
        throw GatewayError(.failedPrecondition, "this gateway does not sign checkpoints")
      }
      return .with {
        $0.origin = signed.checkpoint.origin
        $0.treeSize = signed.checkpoint.size
        $0.rootHash = Data(signed.checkpoint.rootHash)
        $0.signedNote = signed.note
      }
    }
  }

  /// `Oversight.GetInclusionProof`: the proof that an entry is in the tree of a given size.
  public func getInclusionProof(
    request: ServerRequest<Creditgate_V1_GetInclusionProofRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_InclusionProof> {
    try await gateway.handle(.oversight, request: request, context: context) { _, _ in
      let message = request.message
      try checkOrigin(message.origin)
      let (size, proof) = try gateway.auditWriter.withTree { tree in
        let size = message.treeSize == 0 ? tree.size : message.treeSize
        guard size <= tree.size else {
          throw GatewayError.invalid("tree_size", "is larger than the log (\(tree.size) entries)")
        }
        guard message.sequence >= 1, message.sequence <= size else {
          throw GatewayError.invalid("sequence", "must be between 1 and the tree size \(size)")
        }
        return (size, try tree.inclusionProof(leafIndex: message.sequence - 1, treeSize: size))
      }
      return .with {
        $0.leafIndex = message.sequence - 1
        $0.treeSize = size
        $0.hashes = proof.map { Data($0) }
      }
    }
  }

  /// `Oversight.GetConsistencyProof`: the proof that one tree size extends another.
  public func getConsistencyProof(
    request: ServerRequest<Creditgate_V1_GetConsistencyProofRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_ConsistencyProof> {
    try await gateway.handle(.oversight, request: request, context: context) { _, _ in
      let message = request.message
      try checkOrigin(message.origin)
      let proof = try gateway.auditWriter.withTree { tree in
        let second = message.secondSize == 0 ? tree.size : message.secondSize
        guard second <= tree.size else {
          throw GatewayError.invalid("second_size", "is larger than the log (\(tree.size) entries)")
        }
        guard message.firstSize <= second else {
          throw GatewayError.invalid("first_size", "is larger than second_size")
        }
        return try tree.consistencyProof(from: message.firstSize, to: second)
      }
      return .with { $0.hashes = proof.map { Data($0) } }
    }
  }

  /// `Oversight.ExportAuditLog`: this gateway's entries with their leaf hashes, for `audit verify`.
  public func exportAuditLog(
    request: ServerRequest<Creditgate_V1_ExportAuditLogRequest>, context: ServerContext
  ) async throws -> StreamingServerResponse<Creditgate_V1_ExportedAuditEntry> {
    try await gateway.handleStreaming(.oversight, request: request, context: context) {
      _, facts in
      let limit = request.message.limit == 0 ? Self.maximumExport : Int(request.message.limit)
      guard limit <= Self.maximumExport else {
        throw GatewayError.invalid("limit", "must be at most \(Self.maximumExport)")
      }
      // This gateway's log only: the leaf hashes come from its tree.
      let entries = try await gateway.store.search(
        AuditFilter(origin: gateway.auditOrigin, afterSequence: request.message.afterSequence, limit: limit))
      let leaves = try gateway.auditWriter.withTree { tree in
        try entries.prefix { $0.sequence <= tree.size }.map { try tree.leafHash(at: $0.sequence - 1) }
      }
      facts.recordsDisclosed = leaves.count
      return zip(entries, leaves).map { entry, leaf in
        .with {
          $0.entry = Creditgate_V1_AuditEntry(entry)
          $0.leafHash = Data(leaf)
        }
      }
    }
  }

  /// `Oversight.GetUsageStats`: calls per day, institution, method and outcome (`UsageStatistics`).
  public func getUsageStats(
    request: ServerRequest<Creditgate_V1_GetUsageStatsRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_UsageStats> {
    try await gateway.handle(.oversight, request: request, context: context) { _, _ in
      let message = request.message
      let entries = try await gateway.auditEntries(
        from: message.hasFrom ? message.from.date : nil, until: message.hasUntil ? message.until.date : nil)
      return .with {
        $0.counts = UsageStatistics(entries).rows.map { row in
          .with {
            $0.day = row.day.iso
            $0.institutionID = row.institutionID
            $0.method = row.method
            $0.outcome = row.outcome.rawValue
            $0.count = UInt64(row.count)
          }
        }
      }
    }
  }

  /// `Oversight.ListAnomalies`: what `AnomalyDetector` finds in a time window, with the entries behind it.
  public func listAnomalies(
    request: ServerRequest<Creditgate_V1_ListAnomaliesRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_ListAnomaliesResponse> {
    try await gateway.handle(.oversight, request: request, context: context) { _, _ in
      let message = request.message
      // Default window: the last 24 hours.
      let until = message.hasUntil ? message.until.date : gateway.clock()
      let from = message.hasFrom ? message.from.date : until.addingTimeInterval(-86_400)
      guard from <= until else { throw GatewayError.invalid("until", "is before from") }
      let detector = AnomalyDetector(
        consentPurposes: Set(gateway.lists.purposes.filter { $0.kind == .consent }.map(\.code)))
      let anomalies =
        detector.detect(try await gateway.auditEntries(from: from, until: until))
        + AnomalyDetector.overdueCases(try await gateway.store.cases(status: .open), today: gateway.today)
      return .with {
        $0.anomalies = anomalies.map { anomaly in
          .with {
            $0.rule = anomaly.rule
            $0.institutionID = anomaly.institutionID
            $0.description_p = anomaly.description
            $0.sequences = anomaly.sequences
          }
        }
      }
    }
  }

  /// `Oversight.ListCases`: objections and repair applications, overdue ones first, then by
  /// deadline — with nothing that identifies the person (no record, no statement: `GetCase`
  /// has them, audited as a call about the person).
  public func listCases(
    request: ServerRequest<Creditgate_V1_ListCasesRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_ListCasesResponse> {
    try await gateway.handle(.oversight, request: request, context: context) { _, facts in
      var status: CaseStatus?
      if let text = request.message.status.nonEmpty {
        guard let parsed = CaseStatus(rawValue: text.uppercased()) else {
          throw GatewayError.invalid("status", "must be one of \(CaseStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        status = parsed
      }
      let today = gateway.today
      let cases = try await gateway.store.cases(status: status).sorted(by: CreditCase.precedes(today: today))
      facts.categoriesDisclosed = Array(Set(cases.map(\.category))).sorted()
      return .with {
        $0.cases = cases.map { item in
          var listed = Creditgate_V1_Case(item, today: today, record: nil)
          listed.statement = ""
          return listed
        }
      }
    }
  }

  /// `Oversight.GetCase` (credit administrators): one case with its record and the person's
  /// statement, to decide on; audited under the person's pseudonym, so it is in their access log.
  public func getCase(
    request: ServerRequest<Creditgate_V1_GetCaseRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_Case> {
    try await gateway.handle(.oversight, request: request, context: context) { _, facts in
      let id = request.message.caseID
      guard !id.isEmpty else { throw GatewayError.invalid("case_id", "is required") }
      guard let item = try await gateway.store.creditCase(id: id) else {
        throw GatewayError(.notFound, field: "case_id", "no case \(id)")
      }
      facts.subjectCode = item.subjectCode
      let record = item.recordID.isEmpty ? nil : try await gateway.store.record(id: item.recordID)
      var grounds: [CreditRecord] = []
      for id in item.groundRecordIDs {
        if let ground = try await gateway.store.record(id: id) { grounds.append(ground) }
      }
      facts.recordsDisclosed = (record == nil ? 0 : 1) + grounds.count
      facts.categoriesDisclosed = Array(Set([item.category] + grounds.map(\.content.category))).sorted()
      var answer = Creditgate_V1_Case(
        item, today: gateway.today, record: record, polarity: gateway.lists.category(item.category)?.polarity)
      answer.grounds = grounds.map {
        Creditgate_V1_CreditRecord($0, polarity: gateway.lists.category($0.content.category)?.polarity)
      }
      return answer
    }
  }

  /// `Oversight.DecideCase` (credit administrators): upholds or rejects an objection, approves
  /// or refuses a repair, with a reason (`CaseRules.decide`); the record's status changes in the
  /// same transaction, so the next query sees it.
  public func decideCase(
    request: ServerRequest<Creditgate_V1_DecideCaseRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_DecideCaseResponse> {
    try await gateway.handleChanging(.oversight, request: request, context: context) { caller, facts in
      let message = request.message
      guard !message.caseID.isEmpty else { throw GatewayError.invalid("case_id", "is required") }
      _ = try CaseRules.statement(message.reason, field: "reason")
      guard let stored = try await gateway.store.creditCase(id: message.caseID) else {
        throw GatewayError(.notFound, field: "case_id", "no case \(message.caseID)")
      }
      // The decision is about the person: it appears in their access log.
      facts.subjectCode = stored.subjectCode
      facts.reason = "\(stored.kind.rawValue.lowercased()) \(message.upheld ? "upheld" : "not upheld")"
      let today = gateway.today
      // An upheld complaint becomes a record on the government body, in the same transaction.
      let complaintRecord =
        stored.kind == .complaint && message.upheld
        ? CaseRules.complaintRecord(
          stored, category: gateway.lists.category(stored.category), decidedBy: caller.institution.id, today: today)
        : nil
      let decision = CaseDecision(
        caseID: stored.id, upheld: message.upheld, reason: message.reason, decidedBy: caller.institution.id,
        at: gateway.clock(), complaintRecord: complaintRecord)
      let polarity = gateway.lists.category(stored.category)?.polarity
      return .change(.decideCase(decision)) { result in
        guard case .creditCase(let decided) = result else { return Creditgate_V1_DecideCaseResponse() }
        return .with { $0.case = Creditgate_V1_Case(decided, today: today, record: nil, polarity: polarity) }
      }
    }
  }

  /// `Oversight.SuspendInstitution` (credit administrators): suspends an institution, or one
  /// operator of it, from its next call on (`SuspensionRules.suspend`); with `anomaly_rule`,
  /// made from that anomaly of the institution, citing it and its entries.
  public func suspendInstitution(
    request: ServerRequest<Creditgate_V1_SuspendInstitutionRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_Suspension> {
    let made = Mutex<Suspension?>(nil)
    let response = try await gateway.handleChanging(.oversight, request: request, context: context) {
      caller, facts in
      let message = request.message
      let now = gateway.clock()
      var anomaly: Anomaly?
      if let rule = message.anomalyRule.nonEmpty {
        let until = message.hasAnomalyUntil ? message.anomalyUntil.date : now
        let from = message.hasAnomalyFrom ? message.anomalyFrom.date : until.addingTimeInterval(-86_400)
        guard from <= until else { throw GatewayError.invalid("anomaly_until", "is before anomaly_from") }
        let detector = AnomalyDetector(
          consentPurposes: Set(gateway.lists.purposes.filter { $0.kind == .consent }.map(\.code)))
        anomaly = detector.detect(try await gateway.auditEntries(from: from, until: until)).first {
          $0.rule == rule && $0.institutionID == message.institutionID
        }
        guard anomaly != nil else {
          throw GatewayError(
            .notFound, field: "anomaly_rule", "no \(rule) anomaly of \(message.institutionID) in the window")
        }
      }
      let suspension = try SuspensionRules.suspend(
        institutionID: message.institutionID, operatorID: message.operatorID.nonEmpty, reason: message.reason,
        until: message.hasUntil ? message.until.date : nil, by: caller.institution.id, at: now,
        institutions: gateway.authenticator.institutionIDs, anomaly: anomaly,
        id: Suspension.newID())
      facts.reason = "suspended \(suspension.institutionID)"
      made.withLock { $0 = suspension }
      return .change(.suspend(suspension)) { _ in Creditgate_V1_Suspension(suspension, now: now) }
    }
    // Committed (a refusal or a failed commit threw above): enforced from the next call.
    if let suspension = made.withLock({ $0 }) { gateway.suspensions.add(suspension) }
    return response
  }

  /// `Oversight.LiftSuspension` (credit administrators): lifts an active suspension, with a
  /// reason; the institution's next call is let in.
  public func liftSuspension(
    request: ServerRequest<Creditgate_V1_LiftSuspensionRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_Suspension> {
    let lifting = Mutex<(id: String, at: Date, by: String, reason: String)?>(nil)
    let response = try await gateway.handleChanging(.oversight, request: request, context: context) {
      caller, facts in
      let message = request.message
      guard !message.suspensionID.isEmpty else { throw GatewayError.invalid("suspension_id", "is required") }
      _ = try CaseRules.statement(message.reason, field: "reason")
      let now = gateway.clock()
      facts.reason = "lifted \(message.suspensionID)"
      lifting.withLock { $0 = (message.suspensionID, now, caller.institution.id, message.reason) }
      return .change(
        .liftSuspension(id: message.suspensionID, by: caller.institution.id, reason: message.reason, at: now)
      ) { result in
        guard case .suspension(let lifted) = result else { return Creditgate_V1_Suspension() }
        return Creditgate_V1_Suspension(lifted, now: now)
      }
    }
    if let lifted = lifting.withLock({ $0 }) {
      gateway.suspensions.lift(id: lifted.id, at: lifted.at, by: lifted.by, reason: lifted.reason)
    }
    return response
  }

  /// `Oversight.ListSuspensions` (privacy officers, credit administrators): every suspension
  /// and its history, newest first; `active_only` for those in force.
  public func listSuspensions(
    request: ServerRequest<Creditgate_V1_ListSuspensionsRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_ListSuspensionsResponse> {
    try await gateway.handle(.oversight, request: request, context: context) { _, _ in
      let message = request.message
      let now = gateway.clock()
      let suspensions = try await gateway.store.suspensions().reversed().filter { suspension in
        (message.institutionID.isEmpty || suspension.institutionID == message.institutionID)
          && (!message.activeOnly || suspension.isActive(at: now))
      }
      return .with { $0.suspensions = suspensions.map { Creditgate_V1_Suspension($0, now: now) } }
    }
  }

  /// An empty origin means this gateway's log; another one is not served here.
  func checkOrigin(_ origin: String) throws(GatewayError) {
    guard origin.isEmpty || origin == gateway.auditOrigin else {
      throw GatewayError(.notFound, field: "origin", "this gateway serves the log \"\(gateway.auditOrigin)\"")
    }
  }
}

extension Creditgate_V1_Suspension {
  init(_ suspension: Suspension, now: Date) {
    self.init()
    suspensionID = suspension.id
    institutionID = suspension.institutionID
    operatorID = suspension.operatorID ?? ""
    reason = suspension.reason
    if let until = suspension.until { self.until = Google_Protobuf_Timestamp(date: until) }
    lifted = suspension.liftedAt != nil
    since = Google_Protobuf_Timestamp(date: suspension.since)
    suspendedBy = suspension.suspendedBy
    anomalyRule = suspension.anomalyRule ?? ""
    anomalyDescription = suspension.anomalyDescription
    anomalySequences = suspension.anomalySequences
    if let liftedAt = suspension.liftedAt { self.liftedAt = Google_Protobuf_Timestamp(date: liftedAt) }
    liftedBy = suspension.liftedBy
    liftReason = suspension.liftReason
    active = suspension.isActive(at: now)
  }
}
