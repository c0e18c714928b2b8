public import Foundation

/// What a search of the audit log asks for; every set field must match.
///
/// A search spans every log in the store (each gateway instance writes its own, DESIGN §8)
/// unless `origin` names one. Entries come in sequence order and, where logs share a sequence
/// number, by origin (compared as UTF-8 bytes): `precedes(_:_:)` is that order, and
/// `afterSequence` with `afterOrigin` is a position in it, so that a search can go on page by
/// page across logs.
public struct AuditFilter: Sendable, Hashable {
  /// Only the entries of this log.
  public var origin: String?
  /// Only calls of this institution.
  public var institutionID: String?
  /// A full method path, or a bare method name that matches any service's method.
  public var method: String?
  /// Only calls that ended so.
  public var outcome: AuditOutcome?
  /// Only calls for this purpose.
  public var purpose: String?
  /// Only calls about the subject with this pseudonym.
  public var subjectPseudonym: String?
  /// Only calls at or after this time.
  public var from: Date?
  /// Only calls before this time.
  public var until: Date?
  /// Only entries after this position: without `afterOrigin`, after every entry numbered
  /// `afterSequence` (in any log); with it, after the entry numbered `afterSequence` in the log
  /// `afterOrigin`, in the search order.
  public var afterSequence: UInt64
  /// With `afterSequence`, the origin of the last entry of the previous page.
  public var afterOrigin: String?
  /// At most this many entries.
  public var limit: Int

  /// A filter; every argument left out matches every entry.
  public init(
    origin: String? = nil, institutionID: String? = nil, method: String? = nil, outcome: AuditOutcome? = nil,
    purpose: String? = nil, subjectPseudonym: String? = nil, from: Date? = nil,
    until: Date? = nil, afterSequence: UInt64 = 0, afterOrigin: String? = nil, limit: Int = 1000
  ) {
    self.origin = origin
    self.institutionID = institutionID
    self.method = method
    self.outcome = outcome
    self.purpose = purpose
    self.subjectPseudonym = subjectPseudonym
    self.from = from
    self.until = until
    self.afterSequence = afterSequence
    self.afterOrigin = afterOrigin
    self.limit = limit
  }

  /// The filter that continues this search after `last`, the last entry of a page.
  public func continuing(after last: AuditEntry) -> AuditFilter {
    var next = self
    next.afterSequence = last.sequence
    next.afterOrigin = last.origin
    return next
  }

  /// The order of search results, the same in every backend: by sequence number, then by
  /// origin as UTF-8 bytes (SQL's binary collation).
  public static func precedes(_ a: AuditEntry, _ b: AuditEntry) -> Bool {
    a.sequence != b.sequence ? a.sequence < b.sequence : a.origin.utf8.lexicographicallyPrecedes(b.origin.utf8)
  }

  /// The reference semantics every backend must match.
  public func matches(_ entry: AuditEntry) -> Bool {
    if let afterOrigin {
      if entry.sequence < afterSequence { return false }
      if entry.sequence == afterSequence, !afterOrigin.utf8.lexicographicallyPrecedes(entry.origin.utf8) {
        return false
      }
    } else if entry.sequence <= afterSequence {
      return false
    }
    if let origin, entry.origin != origin { return false }
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
