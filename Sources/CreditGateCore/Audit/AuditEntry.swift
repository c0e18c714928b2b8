public import Foundation

/// How a call ended, as the audit log records it.
public enum AuditOutcome: String, Sendable, Hashable, Codable, CaseIterable {
  /// The call was answered.
  case answered = "ANSWERED"
  /// The caller was refused: authentication, role, purpose, consent or quota.
  case denied = "DENIED"
  /// The request was malformed.
  case invalid = "INVALID"
  /// The gateway could not complete the call (not found, unimplemented, storage down).
  case failed = "FAILED"
}

/// One entry of the audit log: one RPC, answered or not. It never holds a subject code in
/// clear, only its keyed pseudonym.
public struct AuditEntry: Sendable, Hashable {
  /// Assigned when the entry is committed; returned to the caller as `query_id`.
  public var sequence: UInt64
  public var origin: String
  public var time: Date
  public var institutionID: String
  public var certificateFingerprint: String
  public var operatorID: String
  /// The full gRPC method path, e.g. `/creditgate.v1.CreditQuery/GetProfile`.
  public var method: String
  public var purpose: String
  public var consentID: String
  public var subjectPseudonym: String
  public var outcome: AuditOutcome
  /// The gRPC status code sent (0 for OK).
  public var statusCode: Int
  public var reason: String
  public var categoriesDisclosed: [String]
  public var recordsDisclosed: Int
  public var responseDigest: String

  /// Creates an entry. `sequence` stays 0 until the entry is committed, and `time` is rounded to
  /// microseconds, as every backend stores it.
  public init(
    sequence: UInt64 = 0, origin: String, time: Date, institutionID: String,
    certificateFingerprint: String, operatorID: String, method: String, purpose: String = "",
    consentID: String = "", subjectPseudonym: String = "", outcome: AuditOutcome,
    statusCode: Int, reason: String = "", categoriesDisclosed: [String] = [],
    recordsDisclosed: Int = 0, responseDigest: String = ""
  ) {
    self.sequence = sequence
    self.origin = origin
    self.time = time.roundedToMicroseconds
    self.institutionID = institutionID
    self.certificateFingerprint = certificateFingerprint
    self.operatorID = operatorID
    self.method = method
    self.purpose = purpose
    self.consentID = consentID
    self.subjectPseudonym = subjectPseudonym
    self.outcome = outcome
    self.statusCode = statusCode
    self.reason = reason
    self.categoriesDisclosed = categoriesDisclosed
    self.recordsDisclosed = recordsDisclosed
    self.responseDigest = responseDigest
  }
}

/// What a search of the audit log asks for; every set field must match.
public struct AuditFilter: Sendable, Hashable {
  public var institutionID: String?
  /// A full method path, or a bare method name that matches any service's method.
  public var method: String?
  public var outcome: AuditOutcome?
  public var purpose: String?
  public var subjectPseudonym: String?
  /// Inclusive.
  public var from: Date?
  /// Exclusive.
  public var until: Date?
  public var afterSequence: UInt64
  public var limit: Int

  /// Creates a filter: a nil field matches any entry; at most `limit` entries after
  /// `afterSequence` are returned.
  public init(
    institutionID: String? = nil, method: String? = nil, outcome: AuditOutcome? = nil,
    purpose: String? = nil, subjectPseudonym: String? = nil, from: Date? = nil,
    until: Date? = nil, afterSequence: UInt64 = 0, limit: Int = 1000
  ) {
    self.institutionID = institutionID
    self.method = method
    self.outcome = outcome
    self.purpose = purpose
    self.subjectPseudonym = subjectPseudonym
    self.from = from
    self.until = until
    self.afterSequence = afterSequence
    self.limit = limit
  }

  /// The reference semantics every backend must match.
  public func matches(_ entry: AuditEntry) -> Bool {
    if entry.sequence <= afterSequence { return false }
    if let institutionID, entry.institutionID != institutionID { return false }
    if let method {
      if method.hasPrefix("/") {
        if entry.method != method { return false }
      } else if !entry.method.hasSuffix("/" + method) {
        return false
      }
    }
    if let outcome, entry.outcome != outcome { return false }
    if let purpose, entry.purpose != purpose { return false }
    if let subjectPseudonym, entry.subjectPseudonym != subjectPseudonym { return false }
    // Bounds at microsecond precision, as the backends store times.
    if let from, entry.time < from.roundedToMicroseconds { return false }
    if let until, entry.time >= until.roundedToMicroseconds { return false }
    return true
  }
}
