public import Foundation

/// What a case asks the credit office to decide.
public enum CaseKind: String, Sendable, Hashable, Codable, CaseIterable {
  /// 异议: the person says the record is wrong.
  case objection = "OBJECTION"
  /// 信用修复: the person asks for a trust-breaking record to be repaired.
  case repair = "REPAIR"
  /// 投诉举报: someone reports a government body's dishonesty; upheld, it becomes a record.
  case complaint = "COMPLAINT"

  /// How many working days the credit office has to decide (DESIGN §9: five for objections;
  /// the same is taken for repairs, for which the design sets no other; fifteen for complaints,
  /// which need an investigation of the body).
  public var decisionWorkingDays: Int {
    switch self {
    case .objection, .repair: return 5
    case .complaint: return 15
    }
  }
}

/// Where a case stands.
public enum CaseStatus: String, Sendable, Hashable, Codable, CaseIterable {
  case open = "OPEN"
  /// An objection upheld: the record leaves disclosure.
  case upheld = "UPHELD"
  /// An objection rejected: the record's dispute mark is lifted.
  case rejected = "REJECTED"
  /// A repair approved: the record becomes `REPAIRED`.
  case approved = "APPROVED"
  /// A repair refused: the record stays as it was.
  case refused = "REFUSED"
}

/// An objection or a repair application, filed by the person through the portal and decided
/// by a credit administrator (DESIGN §9).
public struct CreditCase: Sendable, Hashable {
  public var id: String
  public var kind: CaseKind
  public var recordID: String
  public var subjectCode: String
  public var category: String
  public var statement: String
  public var filedAt: Date
  /// The sequence number of the filing's audit entry in the log of `filedOrigin`.
  public var filedSequence: UInt64
  public var filedOrigin: String
  public var decideBy: LocalDate
  /// Set when the deadline was counted over a year the holiday calendar lacks.
  public var provisionalReason: String?
  public var status: CaseStatus
  public var decisionReason: String
  public var decidedAt: Date?
  public var decidedBy: String
  /// The trust-keeping records a repair application cites as grounds (repair by good deeds).
  public var groundRecordIDs: [String]

  /// Creates a case as a store holds it.
  public init(
    id: String, kind: CaseKind, recordID: String, subjectCode: String, category: String, statement: String,
    filedAt: Date, filedSequence: UInt64 = 0, filedOrigin: String = "", decideBy: LocalDate,
    provisionalReason: String? = nil, status: CaseStatus = .open, decisionReason: String = "",
    decidedAt: Date? = nil, decidedBy: String = "", groundRecordIDs: [String] = []
  ) {
    self.id = id
    self.kind = kind
    self.recordID = recordID
    self.subjectCode = subjectCode
    self.category = category
    self.statement = statement
    self.filedAt = filedAt.roundedToMicroseconds
    self.filedSequence = filedSequence
    self.filedOrigin = filedOrigin
    self.decideBy = decideBy
    self.provisionalReason = provisionalReason
    self.status = status
    self.decisionReason = decisionReason
    self.decidedAt = decidedAt?.roundedToMicroseconds
    self.decidedBy = decidedBy
    self.groundRecordIDs = groundRecordIDs
  }

  /// Whether the case is undecided past its deadline on `today`.
  public func isOverdue(today: LocalDate) -> Bool { status == .open && today > decideBy }

  /// A new case id: "case-" and 16 random hex digits.
  public static func newID() -> String {
    var generator = SystemRandomNumberGenerator()
    return "case-" + String(UInt64.random(in: .min ... .max, using: &generator), radix: 16).leftPadded(to: 16)
  }

  /// The order credit administrators work in: overdue first, then by deadline, then by filing.
  public static func precedes(today: LocalDate) -> @Sendable (CreditCase, CreditCase) -> Bool {
    { a, b in
      let (ao, bo) = (a.isOverdue(today: today), b.isOverdue(today: today))
      if ao != bo { return ao }
      return (a.decideBy, a.filedAt, a.id) < (b.decideBy, b.filedAt, b.id)
    }
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
