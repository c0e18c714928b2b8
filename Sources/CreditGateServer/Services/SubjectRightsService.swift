import CreditGateCore
import Foundation
import SwiftProtobuf
public import CreditGateProtos
public import GRPCCore

/// `SubjectRights`: the portal, acting for one person it has verified (each call names the
/// session in `x-operator-id`): their own report, who accessed their data, objections and
/// repair applications.
public struct SubjectRightsService: Creditgate_V1_SubjectRights.ServiceProtocol {
  let gateway: Gateway

  /// Creates the service over the gateway the services share.
  public init(gateway: Gateway) {
    self.gateway = gateway
  }

  /// `SubjectRights.GetOwnReport`: everything held about the person (`OwnReport`): every record
  /// with its standing, the lists and evaluation as institutions see them, the consents, the
  /// cases, and a summary of who queried them.
  public func getOwnReport(
    request: ServerRequest<Creditgate_V1_GetOwnReportRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_GetOwnReportResponse> {
    try await gateway.handle(.subjectRights, request: request, context: context) { _, facts in
      let code = try facts.subject(request.message.subjectCode)
      guard let subject = try await gateway.store.subject(code: code.value) else {
        throw GatewayError(.notFound, field: "subject_code", "no subject with this code is registered")
      }
      let records = try await gateway.store.records(subjectCode: code.value)
      let entries = try await gateway.auditEntries(
        matching: AuditFilter(subjectPseudonym: gateway.pseudonymizer.pseudonym(code.value)))
      let report = OwnReport.assemble(
        kind: subject.kind, records: records, entries: entries, lists: gateway.lists,
        models: gateway.evaluationModels, today: gateway.today)
      let consents = try await gateway.store.consents(subjectCode: code.value)
      let cases = try await gateway.store.cases(subjectCode: code.value)
      facts.recordsDisclosed = records.count
      facts.categoriesDisclosed = Array(Set(records.map(\.content.category))).sorted()
      let now = gateway.clock()
      let today = gateway.today
      return .with {
        $0.subject = .init(subject, warnings: code.warnings)
        $0.records = report.records.map {
          Creditgate_V1_CreditRecord($0, polarity: gateway.lists.category($0.content.category)?.polarity)
        }
        $0.standings = report.standings.map(Creditgate_V1_RecordStanding.init)
        if let evaluation = report.evaluation {
          $0.evaluation = .init(evaluation, basis: "the records disclosed to institutions")
        }
        $0.lists = report.memberships.map(Creditgate_V1_ListMembership.init)
        $0.consents = consents.map { Creditgate_V1_Consent($0, now: now) }
        $0.queriedBy = report.queriedBy.map { summary in
          .with {
            $0.institutionID = summary.institutionID
            $0.purpose = summary.purpose
            $0.answered = UInt32(clamping: summary.answered)
            $0.refused = UInt32(clamping: summary.refused)
            $0.lastAt = Google_Protobuf_Timestamp(date: summary.lastAt)
          }
        }
        $0.cases = cases.map { Creditgate_V1_Case($0, today: today, record: nil) }
      }
    }
  }

  /// Every audited call about this person in this gateway's log, whoever made it — institution,
  /// time, method, purpose, outcome — each with the entry itself (the leaf) and its inclusion
  /// proof against the latest signed checkpoint, which comes with them: the person's app can
  /// check every proof offline, and the entries' links (`previous_subject_sequence`) show
  /// whether one was left out.
  public func listAccessLog(
    request: ServerRequest<Creditgate_V1_ListAccessLogRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_ListAccessLogResponse> {
    try await gateway.handle(.subjectRights, request: request, context: context) { _, facts in
      let code = try facts.subject(request.message.subjectCode)
      let signed = gateway.auditWriter.checkpoint
      let chainStart = try await gateway.store.subjectChainStart(origin: gateway.auditOrigin)
      let size = signed?.checkpoint.size ?? gateway.auditWriter.withTree(\.size)
      // This gateway's log only: the proofs come from its tree.
      let entries = try await gateway.auditEntries(
        matching: AuditFilter(origin: gateway.auditOrigin, subjectPseudonym: gateway.pseudonymizer.pseudonym(code.value))
      ).filter { $0.sequence <= size }
      facts.recordsDisclosed = entries.count
      let proofs = try gateway.auditWriter.withTree { tree in
        try entries.map { try tree.inclusionProof(leafIndex: $0.sequence - 1, treeSize: size) }
      }
      return .with {
        $0.entries = zip(entries, proofs).map { entry, proof in
          .with {
            $0.sequence = entry.sequence
            $0.time = Google_Protobuf_Timestamp(date: entry.time)
            $0.institutionID = entry.institutionID
            $0.method = entry.method
            $0.purpose = entry.purpose
            $0.outcome = entry.outcome.rawValue
            $0.inclusionProof = proof.map(\.hex)
            $0.treeSize = size
            $0.entry = Creditgate_V1_AuditEntry(entry)
          }
        }
        $0.chainStart = chainStart
        if let signed {
          $0.checkpoint = .with {
            $0.origin = signed.checkpoint.origin
            $0.treeSize = signed.checkpoint.size
            $0.rootHash = Data(signed.checkpoint.rootHash)
            $0.signedNote = signed.note
          }
        }
      }
    }
  }

  /// `SubjectRights.FileObjection`: the record is marked `DISPUTED` at once, and the credit
  /// office must decide within five working days (`CaseRules.file`).
  public func fileObjection(
    request: ServerRequest<Creditgate_V1_FileObjectionRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_FileObjectionResponse> {
    let message = request.message
    return try await file(.objection, message.subjectCode, message.recordID, message.statement, [], request, context)
  }

  /// `SubjectRights.ApplyForRepair`: accepted only for a repairable trust-breaking record past
  /// its category's minimum disclosure period (`RepairEligibility`); otherwise refused
  /// `FAILED_PRECONDITION` with the date from which it will be possible, or why it never will.
  /// It may cite the person's trust-keeping records as grounds, as `repair_grounds.json` allows
  /// (`RepairGrounds.check`).
  public func applyForRepair(
    request: ServerRequest<Creditgate_V1_ApplyForRepairRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_ApplyForRepairResponse> {
    let message = request.message
    return try await file(
      .repair, message.subjectCode, message.recordID, message.statement, message.groundRecordIds, request, context)
  }

  /// Files a case of `kind`: the rules are checked again in the transaction that stores it.
  private func file<Input: SwiftProtobuf.Message, Output: CaseFiledResponse>(
    _ kind: CaseKind, _ subjectCode: String, _ recordID: String, _ statement: String, _ grounds: [String],
    _ request: ServerRequest<Input>, _ context: ServerContext
  ) async throws -> ServerResponse<Output> {
    try await gateway.handleChanging(.subjectRights, request: request, context: context) { _, facts in
      let code = try facts.subject(subjectCode)
      guard !recordID.isEmpty else { throw GatewayError.invalid("record_id", "is required") }
      _ = try CaseRules.statement(statement)
      // Checked here too, so that a long list is never read inside the write transaction.
      guard grounds.count <= RepairGrounds.limit else {
        throw GatewayError.invalid("ground_record_ids", "cites \(grounds.count) records; at most \(RepairGrounds.limit)")
      }
      let record = try CaseRules.ownRecord(try await gateway.store.record(id: recordID), subjectCode: code.value)
      facts.reason = "\(kind == .objection ? "objection" : "repair application") filed"
      let filing = CaseFiling(
        kind: kind, recordID: record.id, subjectCode: code.value, statement: statement, groundRecordIDs: grounds,
        catalogue: gateway.lists.categories, grounds: gateway.repairGrounds, id: CreditCase.newID(),
        at: gateway.clock(), today: gateway.today, calendar: gateway.calendar)
      return .change(.fileCase(filing)) { stored in
        guard case .creditCase(let item) = stored else { return Output() }
        return Output(filed: item)
      }
    }
  }

  /// `SubjectRights.FileComplaint` (投诉举报): a complaint about a government body's dishonesty
  /// becomes a case for the credit office, due in fifteen working days (`CaseRules.complaint`);
  /// upheld, it becomes a record on the body.
  public func fileComplaint(
    request: ServerRequest<Creditgate_V1_FileComplaintRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_FileComplaintResponse> {
    try await gateway.handleChanging(.subjectRights, request: request, context: context) { _, facts in
      let message = request.message
      let code = try facts.subject(message.governmentCode, field: "government_code")
      // Checked before the lookup, so that the answer says nothing of whether a person is registered.
      guard code.kind == .government else {
        throw GatewayError.invalid("government_code", "is not a government body's code (registration authority 1, 机构编制)")
      }
      facts.categoriesDisclosed = message.category.isEmpty ? [] : [message.category]
      let complaint = try CaseRules.complaint(
        about: try await gateway.store.subject(code: code.value), category: message.category,
        category: gateway.lists.category(message.category), description: message.description_p, id: CreditCase.newID(),
        at: gateway.clock(), today: gateway.today, calendar: gateway.calendar)
      facts.reason = "complaint filed"
      return .change(.fileComplaint(complaint)) { _ in .init(filed: complaint) }
    }
  }

  static let defaultPageSize = 20
  static let maximumPageSize = 100
  /// The most subjects one page examines; past it the page ends early, with a token.
  static let examinedPerPage = 2000

  /// `SubjectRights.ListDisclosures`: the public disclosure of the serious-dishonesty list (or,
  /// with `list: "red"`, the red list) — the subjects on it now, with the records that put them
  /// there, masked as `PublicDisclosure` says — in code order, page by page.
  public func listDisclosures(
    request: ServerRequest<Creditgate_V1_ListDisclosuresRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_ListDisclosuresResponse> {
    try await gateway.handle(.subjectRights, request: request, context: context) { _, facts in
      let message = request.message
      let list: CreditList
      switch message.list {
      case "", CreditList.seriousDishonesty.rawValue: list = .seriousDishonesty
      case CreditList.red.rawValue: list = .red
      default: throw GatewayError.invalid("list", "must be serious-dishonesty or red")
      }
      let categories = PublicDisclosure.categories(of: list, lists: gateway.lists)
      if !message.category.isEmpty, !categories.contains(message.category) {
        throw GatewayError.invalid("category", "puts nobody on the \(list.rawValue) list")
      }
      guard message.region.allSatisfy(\.isASCII), message.region.allSatisfy(\.isNumber), message.region.count <= 6 else {
        throw GatewayError.invalid("region", "must be up to six digits of a GB/T 2260 region code")
      }
      guard message.pageSize <= Self.maximumPageSize else {
        throw GatewayError.invalid("page_size", "must be at most \(Self.maximumPageSize)")
      }
      let pageSize = message.pageSize == 0 ? Self.defaultPageSize : Int(message.pageSize)
      let listing = [list.rawValue, message.region, message.category].joined(separator: "\u{0}")
      var cursor = message.pageToken.isEmpty ? "" : try gateway.pageTokens.position(of: message.pageToken, listing: listing)
      let wanted = message.category.isEmpty ? categories : [message.category]
      let today = gateway.today
      var entries: [PublicDisclosure.Entry] = []
      var more = true
      var examined = 0
      while entries.count < pageSize, more, examined < Self.examinedPerPage {
        let codes = try await gateway.store.subjectCodes(withRecordsIn: wanted, after: cursor, limit: 100)
        more = codes.count == 100
        for code in codes {
          cursor = code
          examined += 1
          guard let subject = try await gateway.store.subject(code: code) else { continue }
          let records = try await gateway.store.records(subjectCode: code)
          if let entry = PublicDisclosure.entry(
            subject: subject, records: records, list: list, region: message.region.nonEmpty,
            category: message.category.nonEmpty, lists: gateway.lists, today: today)
          {
            entries.append(entry)
            if entries.count == pageSize {
              more = more || code != codes.last
              break
            }
          }
        }
      }
      facts.recordsDisclosed = entries.reduce(0) { $0 + $1.records.count }
      facts.categoriesDisclosed = Array(Set(entries.flatMap { $0.records.map(\.content.category) })).sorted()
      facts.reason = "\(list.rawValue): \(entries.count) subjects"
      let token = more && !cursor.isEmpty ? gateway.pageTokens.token(after: cursor, listing: listing) : ""
      return .with {
        $0.entries = entries.map { entry in
          .with {
            $0.maskedName = entry.maskedName
            $0.maskedCode = entry.maskedCode
            $0.kind = .init(entry.kind)
            $0.records = entry.records.map {
              Creditgate_V1_CreditRecord($0, polarity: gateway.lists.category($0.content.category)?.polarity)
            }
          }
        }
        $0.nextPageToken = token
      }
    }
  }
}

/// The answer to a filing (objection, repair application, complaint): the case and its deadline.
protocol CaseFiledResponse: QueryIdentified {
  var caseID: String { get set }
  var decideBy: String { get set }
  var decideByProvisional: Bool { get set }
  var provisionalReason: String { get set }
}

extension CaseFiledResponse {
  /// The answer naming the filed case and when it is to be decided.
  init(filed item: CreditCase) {
    self.init()
    caseID = item.id
    decideBy = item.decideBy.iso
    decideByProvisional = item.provisionalReason != nil
    provisionalReason = item.provisionalReason ?? ""
  }
}

extension Creditgate_V1_ListAccessLogResponse: QueryIdentified {}
extension Creditgate_V1_GetOwnReportResponse: QueryIdentified {}
extension Creditgate_V1_FileObjectionResponse: CaseFiledResponse {}
extension Creditgate_V1_ApplyForRepairResponse: CaseFiledResponse {}
extension Creditgate_V1_FileComplaintResponse: CaseFiledResponse {}
extension Creditgate_V1_ListDisclosuresResponse: QueryIdentified {}

extension Creditgate_V1_RecordStanding {
  init(_ standing: RecordStanding) {
    self.init()
    recordID = standing.recordID
    disclosed = standing.withheldReason == nil
    notDisclosedReason = standing.withheldReason ?? ""
    disclosedUntil = standing.disclosedUntil?.iso ?? ""
    switch standing.repair {
    case nil: break
    case .eligible(let date), .from(let date): repairableFrom = date.iso
    case .blocked(let reason), .never(let reason): notRepairableReason = reason
    }
  }
}

extension Creditgate_V1_Case {
  /// A case as the API shows it, on `today`; with its record for those who decide on it.
  init(_ item: CreditCase, today: LocalDate, record: CreditRecord?, polarity: Polarity? = nil) {
    self.init()
    caseID = item.id
    kind = item.kind.rawValue
    recordID = item.recordID
    status = item.status.rawValue
    statement = item.statement
    decideBy = item.decideBy.iso
    filedAt = Google_Protobuf_Timestamp(date: item.filedAt)
    decideByProvisional = item.provisionalReason != nil
    provisionalReason = item.provisionalReason ?? ""
    overdue = item.isOverdue(today: today)
    decisionReason = item.decisionReason
    if let decided = item.decidedAt { decidedAt = Google_Protobuf_Timestamp(date: decided) }
    decidedBy = item.decidedBy
    category = item.category
    filedQueryID = item.filedSequence
    groundRecordIds = item.groundRecordIDs
    if let record { self.record = Creditgate_V1_CreditRecord(record, polarity: polarity) }
  }
}
