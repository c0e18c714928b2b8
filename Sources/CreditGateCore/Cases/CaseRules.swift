public import Foundation

/// Whether a record can be repaired (信用修复, DESIGN §9), and if not, when or why not.
public enum RepairEligibility: Sendable, Hashable {
  /// Possible, as it has been since this date (the category's minimum disclosure period ended
  /// the day before).
  case eligible(since: LocalDate)
  /// Possible from this date: the category's minimum disclosure period ends the day before.
  case from(LocalDate)
  /// Not possible now for a reason that may pass (an objection is open).
  case blocked(String)
  /// Never possible, and why.
  case never(String)

  /// Where `record` (of `category`) stands for repair on `today`. A repair is for a
  /// trust-breaking record of a repairable category, in force, after the category's minimum
  /// disclosure period for its severity, counted from the decision.
  public static func of(_ record: CreditRecord, category: Category?, today: LocalDate) -> RepairEligibility {
    guard let category, category.polarity == .trustBreaking else {
      return .never("only trust-breaking records are repaired")
    }
    guard category.repairable else {
      return .never("records of category \"\(category.code)\" cannot be repaired")
    }
    switch record.status {
    case .repaired: return .never("it is already repaired")
    case .revoked, .objectionUpheld:
      return .never("it is no longer disclosed (\(Disclosure.withheldReason(record, category: category, today: today) ?? "withdrawn")); there is nothing to repair")
    case .disputed: return .blocked("an objection against it is open; apply once it is decided")
    case .active: break
    }
    if let reason = Disclosure.withheldReason(record, category: category, today: today) {
      return .never("it is no longer disclosed (\(reason)); there is nothing to repair")
    }
    let minimum = category.disclosureBound(for: record.content.severity)?.minDays ?? 0
    let from = record.content.decidedOn.adding(days: minimum)
    return today < from ? .from(from) : .eligible(since: from)
  }

  /// The first day a repair is or will be possible, nil if it never is (or waits on an objection).
  public var firstDay: LocalDate? {
    switch self {
    case .eligible(let since): return since
    case .from(let date): return date
    case .blocked, .never: return nil
    }
  }
}

/// The rules of objections, repairs and their decisions (DESIGN §9). Stores call them inside
/// the transaction that applies the change, so that two calls racing on one record cannot both
/// succeed.
public enum CaseRules {
  /// The longest statement a person may file.
  public static let statementLimit = 4000

  /// The record a person's case names, if it is theirs. Another person's record is answered as
  /// missing, so that the portal cannot learn that it exists.
  public static func ownRecord(_ record: CreditRecord?, subjectCode: String) throws(GatewayError)
    -> CreditRecord
  {
    guard let record, record.content.subjectCode == subjectCode else {
      throw GatewayError(.notFound, field: "record_id", "no such record about this subject")
    }
    return record
  }

  /// Checks a statement: required, at most `statementLimit` characters.
  public static func statement(_ text: String, field: String = "statement") throws(GatewayError) -> String {
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !trimmed.isEmpty else { throw .invalid(field, "is required") }
    guard trimmed.count <= statementLimit else {
      throw .invalid(field, "must be at most \(statementLimit) characters")
    }
    return trimmed
  }

  /// Files a case on `record` (the person's own, see `ownRecord`), given the cases already on
  /// it. An objection is for a record in force with no open objection; a repair application
  /// follows `RepairEligibility` and one is open at a time. The deadline is counted in working
  /// days from the day of filing, on China's calendar.
  public static func file(
    _ kind: CaseKind, record: CreditRecord, category: Category?, statement: String, openCases: [CreditCase],
    id: String, at: Date, today: LocalDate, calendar: WorkingCalendar
  ) throws(GatewayError) -> CreditCase {
    if let open = openCases.first(where: { $0.kind == kind && $0.status == .open }) {
      throw GatewayError(
        .failedPrecondition, field: "record_id",
        "\(kind == .objection ? "an objection" : "a repair application") on this record is already open (\(open.id), to be decided by \(open.decideBy))")
    }
    switch kind {
    case .complaint:
      throw GatewayError(.internalError, "a complaint names a government body, not a record (CaseRules.complaint)")
    case .objection:
      switch record.status {
      case .active, .disputed: break
      case .repaired, .revoked, .objectionUpheld:
        throw GatewayError(
          .failedPrecondition, field: "record_id",
          "the record is \(Disclosure.withheldReason(record, category: category, today: today) ?? "withdrawn"); there is nothing to object to")
      }
    case .repair:
      switch RepairEligibility.of(record, category: category, today: today) {
      case .eligible: break
      case .from(let date):
        throw GatewayError(
          .failedPrecondition, field: "record_id",
          "repair is possible from \(date), after the category's minimum disclosure period")
      case .blocked(let reason), .never(let reason):
        throw GatewayError(.failedPrecondition, field: "record_id", "cannot be repaired: \(reason)")
      }
    }
    let deadline = calendar.deadline(after: today, workingDays: kind.decisionWorkingDays)
    return CreditCase(
      id: id, kind: kind, recordID: record.id, subjectCode: record.content.subjectCode,
      category: record.content.category, statement: try Self.statement(statement), filedAt: at,
      decideBy: deadline.date, provisionalReason: deadline.provisionalReason)
  }

  /// A complaint about a government body's dishonesty (投诉举报): `subject` is the body the
  /// complaint names (nil if the code is not registered); `category` must be a trust-breaking
  /// category of the government part of the catalogue.
  public static func complaint(
    about subject: Subject?, category code: String, category: Category?, description: String, id: String, at: Date,
    today: LocalDate, calendar: WorkingCalendar
  ) throws(GatewayError) -> CreditCase {
    guard let subject else {
      throw GatewayError(.notFound, field: "government_code", "no government body with this code is registered")
    }
    guard subject.kind == .government else {
      throw .invalid("government_code", "is not a government body's code (registration authority 1, 机构编制)")
    }
    guard !code.isEmpty else { throw .invalid("category", "is required") }
    guard let category, category.polarity == .trustBreaking, category.subjectKinds.contains(.government) else {
      throw .invalid("category", "must be a trust-breaking category of the government part of the catalogue")
    }
    let deadline = calendar.deadline(after: today, workingDays: CaseKind.complaint.decisionWorkingDays)
    return CreditCase(
      id: id, kind: .complaint, recordID: "", subjectCode: subject.code, category: category.code,
      statement: try Self.statement(description, field: "description"), filedAt: at, decideBy: deadline.date,
      provisionalReason: deadline.provisionalReason)
  }

  /// The record an upheld complaint puts on the government body: submitted by the credit office
  /// that decided it, under the case's id, a general breach decided on `today` and disclosed for
  /// its category's longest general period.
  public static func complaintRecord(
    _ item: CreditCase, category: Category?, decidedBy institutionID: String, today: LocalDate
  ) -> RecordContent {
    let days = category?.disclosureBound(for: .general)?.maxDays ?? 0
    return RecordContent(
      providerID: institutionID, providerRecordID: item.id, subjectCode: item.subjectCode, category: item.category,
      severity: .general, title: "经投诉举报查实的失信行为（\(item.id)）", documentNumber: item.id,
      actDate: min(LocalDate.todayInChina(now: item.filedAt), today), decidedOn: today, actEndedOn: nil,
      disclosureUntil: today.adding(days: days))
  }

  /// The record's status once a case on it is filed: an objection marks it disputed at once.
  public static func recordStatus(filing kind: CaseKind, record: CreditRecord) -> RecordStatus {
    kind == .objection && record.status == .active ? .disputed : record.status
  }

  /// Decides an open case: `upheld` upholds an objection or approves a repair. Returns the
  /// decided case and the record's new status: an upheld objection withdraws the record, a
  /// rejected one lifts the dispute mark, an approved repair makes it `REPAIRED` — each only
  /// if the record is still as the case left it (a record its provider revoked meanwhile stays
  /// revoked).
  public static func decide(
    _ item: CreditCase, record: CreditRecord?, upheld: Bool, reason: String, by institutionID: String, at: Date
  ) throws(GatewayError) -> (CreditCase, RecordStatus?) {
    guard item.status == .open else {
      throw GatewayError(
        .failedPrecondition, field: "case_id",
        "case \(item.id) is already decided: \(item.status.rawValue) on \(item.decidedAt.map { LocalDate.todayInChina(now: $0).iso } ?? "?")")
    }
    var decided = item
    decided.decisionReason = try Self.statement(reason, field: "reason")
    decided.decidedAt = at.roundedToMicroseconds
    decided.decidedBy = institutionID
    var status: RecordStatus?
    switch (item.kind, upheld) {
    case (.objection, true):
      decided.status = .upheld
      if record?.status == .disputed { status = .objectionUpheld }
    case (.objection, false):
      decided.status = .rejected
      if record?.status == .disputed { status = .active }
    case (.repair, true):
      decided.status = .approved
      if record?.status == .active || record?.status == .disputed { status = .repaired }
    case (.repair, false):
      decided.status = .refused
    case (.complaint, true):
      decided.status = .upheld
    case (.complaint, false):
      decided.status = .rejected
    }
    return (decided, status)
  }

  /// The record a provider may revoke: its own, and not revoked already.
  public static func revocable(_ record: CreditRecord?, by providerID: String, field: String) throws(GatewayError)
    -> CreditRecord
  {
    guard let record else { throw GatewayError(.notFound, field: field, "no such record") }
    guard record.content.providerID == providerID else {
      throw .denied("the record was submitted by another provider; a provider revokes only its own records", field: field)
    }
    guard record.status != .revoked else {
      throw GatewayError(.failedPrecondition, field: field, "the record is already revoked")
    }
    return record
  }
}
