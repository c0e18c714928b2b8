import CreditGateCore
import Foundation
import Testing

/// The anomaly rules of DESIGN §8, one row per rule at and just below its threshold.
@Suite("AnomalyDetector")
struct AnomalyDetectorTests {
  static let noon = Date(timeIntervalSince1970: 1_764_129_600)  // 2025-11-26 12:00 China (04:00 UTC)
  static let threeAM = Date(timeIntervalSince1970: 1_764_097_200)  // 2025-11-26 03:00 China (19:00 UTC the day before)

  static func entry(
    _ sequence: UInt64, institution: String = "bank", method: String = "GetProfile",
    purpose: String = "commercial-loan", consent: String = "", subject: String = "s",
    outcome: AuditOutcome = .answered, reason: String = "", time: Date = noon
  ) -> AuditEntry {
    AuditEntry(
      sequence: sequence, origin: "o", time: time.addingTimeInterval(Double(sequence)), institutionID: institution,
      certificateFingerprint: "", operatorID: "op",
      method: method.hasPrefix("/") ? method : "/creditgate.v1.CreditQuery/\(method)", purpose: purpose,
      consentID: consent, subjectPseudonym: subject, outcome: outcome, statusCode: 0, reason: reason)
  }

  static let detector = AnomalyDetector(consentPurposes: ["commercial-loan"])

  struct Row: Sendable, CustomTestStringConvertible {
    var label: String
    var entries: [AuditEntry]
    var rule: String?
    var sequences: [UInt64]
    var testDescription: String { label }
  }

  static let rows: [Row] = [
    Row(label: "5 subjects without consent",
        entries: (1...5).map { entry(UInt64($0), subject: "p\($0)") },
        rule: "subjects-without-consent", sequences: [1, 2, 3, 4, 5]),
    Row(label: "4 subjects without consent: below the threshold",
        entries: (1...4).map { entry(UInt64($0), subject: "p\($0)") }, rule: nil, sequences: []),
    Row(label: "5 queries about one subject without consent: one subject only",
        entries: (1...5).map { entry(UInt64($0), subject: "same") }, rule: nil, sequences: []),
    Row(label: "5 subjects with consent",
        entries: (1...5).map { entry(UInt64($0), consent: "c\($0)", subject: "p\($0)") }, rule: nil, sequences: []),
    Row(label: "5 statutory queries: no consent needed",
        entries: (1...5).map { entry(UInt64($0), purpose: "admin-licensing", subject: "p\($0)") },
        rule: nil, sequences: []),
    Row(label: "5 identity mismatches",
        entries: (1...5).map { entry(UInt64($0), method: "VerifyIdentity", purpose: "admin-licensing", reason: "MISMATCH") },
        rule: "identity-probing", sequences: [1, 2, 3, 4, 5]),
    Row(label: "4 mismatches and a match",
        entries: (1...4).map { entry(UInt64($0), method: "VerifyIdentity", purpose: "admin-licensing", reason: "MISMATCH") }
          + [entry(5, method: "VerifyIdentity", purpose: "admin-licensing", reason: "MATCH")],
        rule: nil, sequences: []),
    Row(label: "1 of 20 queries for a rare purpose (5%): not below 5%",
        entries: (1...19).map { entry(UInt64($0), purpose: "admin-licensing") } + [entry(20, purpose: "awards")],
        rule: nil, sequences: []),
    Row(label: "1 of 21 queries for a rare purpose (4.8%)",
        entries: (1...20).map { entry(UInt64($0), purpose: "admin-licensing") } + [entry(21, purpose: "awards")],
        rule: "unusual-purpose", sequences: [21]),
    Row(label: "10 queries at 03:00 China time",
        entries: (1...10).map { entry(UInt64($0), purpose: "admin-licensing", time: threeAM) },
        rule: "odd-hours-burst", sequences: Array(1...10)),
    Row(label: "10 queries at noon",
        entries: (1...10).map { entry(UInt64($0), purpose: "admin-licensing") }, rule: nil, sequences: []),
    Row(label: "5 of 10 calls refused",
        entries: (1...5).map { entry(UInt64($0), purpose: "admin-licensing", outcome: .denied) }
          + (6...10).map { entry(UInt64($0), purpose: "admin-licensing") },
        rule: "denial-spike", sequences: [1, 2, 3, 4, 5]),
    Row(label: "4 of 10 calls refused",
        entries: (1...4).map { entry(UInt64($0), purpose: "admin-licensing", outcome: .invalid) }
          + (5...10).map { entry(UInt64($0), purpose: "admin-licensing") },
        rule: nil, sequences: []),
  ]

  @Test("each rule fires at its threshold and not below, naming its entries", arguments: rows)
  func rule(_ row: Row) {
    let anomalies = Self.detector.detect(row.entries)
    if let rule = row.rule {
      #expect(anomalies.map(\.rule) == [rule])
      #expect(anomalies.first?.sequences == row.sequences)
      #expect(anomalies.first?.institutionID == "bank")
    } else {
      #expect(anomalies.isEmpty, "\(anomalies)")
    }
  }

  @Test("institutions are judged apart")
  func perInstitution() {
    let entries = (1...3).map { Self.entry(UInt64($0), institution: "a", subject: "p\($0)") }
      + (4...5).map { Self.entry(UInt64($0), institution: "b", subject: "p\($0)") }
    #expect(Self.detector.detect(entries).isEmpty)
  }
}
