public import Foundation

/// A change of stored state made by a call. It commits in the same transaction as the call's
/// audit entry (DESIGN §8): both are durable, or neither is.
public enum StateChange: Sendable, Hashable {
  /// Inserts the subjects, or updates their names if they exist.
  case registerSubjects([Subject])
  /// Upserts records by (provider, provider record id).
  case submitRecords([RecordContent])
  case insertConsent(Consent)
  /// Marks a consent revoked; revoking twice keeps the first time.
  case revokeConsent(id: String, at: Date)
  /// Files an objection or a repair application (`CaseFiling.apply`, checked against the
  /// record, its cases and the cited grounds as stored) and marks the record.
  case fileCase(CaseFiling)
  /// Files a complaint about a government body (checked by `CaseRules.complaint`).
  case fileComplaint(CreditCase)
  /// Decides an open case (`CaseRules.decide`) and sets its record's status.
  case decideCase(CaseDecision)
  /// Revokes a record for its provider (`CaseRules.revocable`).
  case revokeRecord(id: String, providerID: String)
  /// Stores a new suspension (`SuspensionRules.suspend`).
  case suspend(Suspension)
  /// Lifts an active suspension (`SuspensionRules.lift`, checked against it as stored).
  case liftSuspension(id: String, by: String, reason: String, at: Date)
}

/// An objection or repair application to file: checked inside the transaction, against the
/// record and its cases as they are then, so that two filings racing on one record cannot
/// both open a case.
public struct CaseFiling: Sendable, Hashable {
  public var kind: CaseKind
  public var recordID: String
  public var subjectCode: String
  public var statement: String
  /// The trust-keeping records a repair application cites as grounds.
  public var groundRecordIDs: [String]
  /// The catalogue: the record's category (and the grounds') are taken from the records as
  /// stored, inside the transaction.
  public var catalogue: [Category]
  public var grounds: RepairGrounds
  public var id: String
  public var at: Date
  public var today: LocalDate
  public var calendar: WorkingCalendar

  /// A filing of `kind` on `recordID` for the person `subjectCode`.
  public init(
    kind: CaseKind, recordID: String, subjectCode: String, statement: String, groundRecordIDs: [String] = [],
    catalogue: [Category], grounds: RepairGrounds = RepairGrounds(rules: []), id: String, at: Date, today: LocalDate,
    calendar: WorkingCalendar
  ) {
    self.kind = kind
    self.recordID = recordID
    self.subjectCode = subjectCode
    self.statement = statement
    self.groundRecordIDs = groundRecordIDs
    self.catalogue = catalogue
    self.grounds = grounds
    self.id = id
    self.at = at
    self.today = today
    self.calendar = calendar
  }

  private func category(_ code: String) -> Category? { catalogue.first { $0.code == code } }

  /// The case to store and the record's new status, given the record, its cases and the cited
  /// grounds as stored (`cited[i]` for `groundRecordIDs[i]`), and the filing's audit entry (its
  /// log and sequence number).
  public func apply(
    record: CreditRecord?, cases: [CreditCase], cited: [CreditRecord?] = [], sequence: UInt64, origin: String
  ) throws(GatewayError) -> (CreditCase, RecordStatus) {
    let record = try CaseRules.ownRecord(record, subjectCode: subjectCode)
    if kind != .repair, !groundRecordIDs.isEmpty {
      throw .invalid("ground_record_ids", "only a repair application cites grounds")
    }
    var filed = try CaseRules.file(
      kind, record: record, category: category(record.content.category), statement: statement,
      openCases: cases.filter { $0.status == .open }, id: id, at: at, today: today, calendar: calendar)
    if kind == .repair {
      try grounds.check(
        record: record, ids: groundRecordIDs, cited: cited, category: category, today: today)
    }
    filed.groundRecordIDs = groundRecordIDs
    filed.filedSequence = sequence
    filed.filedOrigin = origin
    return (filed, CaseRules.recordStatus(filing: kind, record: record))
  }
}

/// A credit administrator's decision on a case.
public struct CaseDecision: Sendable, Hashable {
  public var caseID: String
  public var upheld: Bool
  public var reason: String
  public var decidedBy: String
  public var at: Date
  /// For a complaint upheld: the record it puts on the government body
  /// (`CaseRules.complaintRecord`).
  public var complaintRecord: RecordContent?

  /// The decision `upheld` (or not) on `caseID`, with its reason.
  public init(
    caseID: String, upheld: Bool, reason: String, decidedBy: String, at: Date, complaintRecord: RecordContent? = nil
  ) {
    self.caseID = caseID
    self.upheld = upheld
    self.reason = reason
    self.decidedBy = decidedBy
    self.at = at
    self.complaintRecord = complaintRecord
  }

  /// What a decision changes.
  public struct Outcome: Sendable, Hashable {
    public var decided: CreditCase
    /// The record's new status (nil: unchanged).
    public var recordStatus: RecordStatus?
    /// A record to store (an upheld complaint's).
    public var newRecord: RecordContent?
  }

  /// What the decision changes, given the case and its record as stored.
  public func apply(case stored: CreditCase?, record: CreditRecord?) throws(GatewayError) -> Outcome {
    guard let stored else { throw GatewayError(.notFound, field: "case_id", "no case \(caseID)") }
    var (decided, status) = try CaseRules.decide(
      stored, record: record, upheld: upheld, reason: reason, by: decidedBy, at: at)
    var newRecord: RecordContent?
    if stored.kind == .complaint, upheld {
      guard let complaintRecord, complaintRecord.providerRecordID == stored.id else {
        throw GatewayError(.internalError, "an upheld complaint needs its record")
      }
      newRecord = complaintRecord
      decided.recordID = complaintRecord.recordID
      status = nil
    }
    return Outcome(decided: decided, recordStatus: status, newRecord: newRecord)
  }
}

/// What a `StateChange` stored, for the answer built from it.
public enum StateChangeResult: Sendable, Hashable {
  case done
  /// Each submitted record as stored, in the order submitted.
  case records([CreditRecord])
  /// The consent as stored after the change, nil if there is none.
  case consent(Consent?)
  /// The case as stored after the change.
  case creditCase(CreditCase)
  /// The record as stored after the change.
  case record(CreditRecord)
  /// The suspension as stored after the change.
  case suspension(Suspension)
}

/// One call's audit entry and, for a call that changes state, its change.
public struct AuditAppend: Sendable {
  public var entry: AuditEntry
  public var change: StateChange?
  /// Completes the entry from the change's result inside the transaction, before the entry is
  /// stored and hashed: the digest of the answer built from what was stored, or the failure.
  public var complete: (@Sendable (Result<StateChangeResult, any Error>, inout AuditEntry) -> Void)?

/// Creates an item: the entry, and the change it carries with the way to complete the entry.
  public init(
    entry: AuditEntry, change: StateChange? = nil,
    complete: (@Sendable (Result<StateChangeResult, any Error>, inout AuditEntry) -> Void)? = nil
  ) {
    self.entry = entry
    self.change = change
    self.complete = complete
  }
}

/// A committed entry with its sequence number and, if the call changed state, the change's
/// result. A change that failed was rolled back on its own; its entry records the failure.
public struct AuditCommit: Sendable {
  public var entry: AuditEntry
  public var change: Result<StateChangeResult, any Error>?

  /// Creates the record of a committed entry and its change's result.
  public init(entry: AuditEntry, change: Result<StateChangeResult, any Error>? = nil) {
    self.entry = entry
    self.change = change
  }
}

/// Seals a batch inside its transaction: given the batch's entries as stored, with their
/// sequence numbers and the leaf hashes the store computed for them (once: every entry is
/// hashed on the hot path), checks them against the writer's tree and returns the checkpoint
/// to store with them (nil without a signer). Throwing rolls the whole batch back.
public typealias AuditSeal = @Sendable ([StoredLeaf]) throws -> SignedCheckpoint?
