import CreditGateCore
import Foundation
import Testing

/// `UsageStatistics` (DESIGN §8) as a table: audit entries in, one count per day in China,
/// institution, method and outcome out, in a fixed order.
@Suite("UsageStatistics")
struct UsageStatisticsTests {
  /// 2026-01-01T00:00:00Z, which is 08:00 on 1 January in China.
  static let start = Date(timeIntervalSince1970: 1_767_225_600)
  static let hour: TimeInterval = 3_600
  static let profile = "/creditgate.v1.CreditQuery/GetProfile"
  static let verify = "/creditgate.v1.CreditQuery/VerifyIdentity"

  /// One entry, `hours` after `start`.
  static func entry(
    _ hours: Double, _ institution: String = "demo-bank", _ method: String = profile,
    outcome: AuditOutcome = .answered
  ) -> AuditEntry {
    AuditEntry(
      origin: "test/log", time: start.addingTimeInterval(hours * hour), institutionID: institution,
      certificateFingerprint: "", operatorID: "o1", method: method, outcome: outcome,
      statusCode: outcome == .answered ? 0 : 7)
  }

  struct Row: Sendable, CustomTestStringConvertible {
    var label: String
    var entries: [AuditEntry]
    /// `day institution method outcome count`, in the order the statistics give them.
    var counts: [String]
    var testDescription: String { label }
  }

  static let rows: [Row] = [
    Row(label: "no entries, no counts", entries: [], counts: []),
    Row(label: "calls alike are counted together", entries: [entry(0), entry(1), entry(2)],
        counts: ["2026-01-01 demo-bank \(profile) ANSWERED 3"]),
    Row(label: "each outcome its own count, ordered by name: ANSWERED, DENIED, FAILED, INVALID",
        entries: [
          entry(0, outcome: .invalid), entry(1, outcome: .failed), entry(2, outcome: .denied),
          entry(3, outcome: .answered), entry(4, outcome: .invalid),
        ],
        counts: [
          "2026-01-01 demo-bank \(profile) ANSWERED 1", "2026-01-01 demo-bank \(profile) DENIED 1",
          "2026-01-01 demo-bank \(profile) FAILED 1", "2026-01-01 demo-bank \(profile) INVALID 2",
        ]),
    Row(label: "each method its own count, ordered by path",
        entries: [entry(0, "demo-bank", verify), entry(1), entry(2, "demo-bank", verify)],
        counts: ["2026-01-01 demo-bank \(profile) ANSWERED 1", "2026-01-01 demo-bank \(verify) ANSWERED 2"]),
    Row(label: "each institution its own count, ordered by id",
        entries: [entry(0, "demo-hr-bureau"), entry(1, "demo-bank"), entry(2, "demo-hr-bureau")],
        counts: ["2026-01-01 demo-bank \(profile) ANSWERED 1", "2026-01-01 demo-hr-bureau \(profile) ANSWERED 2"]),
    Row(label: "a call no institution could be named for counts under the empty id, first",
        entries: [entry(0, "demo-bank", profile, outcome: .answered), entry(1, "", profile, outcome: .denied)],
        counts: ["2026-01-01  \(profile) DENIED 1", "2026-01-01 demo-bank \(profile) ANSWERED 1"]),
    // 16:00 UTC is midnight in China (UTC+8, no daylight saving time).
    Row(label: "the day is China's: 23:59:59 and midnight there are two days",
        entries: [entry(16 - 1.0 / 3_600), entry(16)],
        counts: ["2026-01-01 demo-bank \(profile) ANSWERED 1", "2026-01-02 demo-bank \(profile) ANSWERED 1"]),
    Row(label: "the day is China's: 16:00 UTC on 31 December is 1 January there",
        entries: [entry(-8), entry(-9)],
        counts: ["2025-12-31 demo-bank \(profile) ANSWERED 1", "2026-01-01 demo-bank \(profile) ANSWERED 1"]),
    Row(label: "the day comes first in the order, before the institution",
        entries: [entry(24, "demo-bank"), entry(0, "demo-hr-bureau")],
        counts: ["2026-01-01 demo-hr-bureau \(profile) ANSWERED 1", "2026-01-02 demo-bank \(profile) ANSWERED 1"]),
    Row(label: "then the institution, before the method",
        entries: [entry(0, "demo-hr-bureau", profile), entry(1, "demo-bank", verify)],
        counts: ["2026-01-01 demo-bank \(verify) ANSWERED 1", "2026-01-01 demo-hr-bureau \(profile) ANSWERED 1"]),
    Row(label: "then the method, before the outcome",
        entries: [entry(0, "demo-bank", verify, outcome: .answered), entry(1, "demo-bank", profile, outcome: .invalid)],
        counts: ["2026-01-01 demo-bank \(profile) INVALID 1", "2026-01-01 demo-bank \(verify) ANSWERED 1"]),
  ]

  @Test("calls are counted per day in China, institution, method and outcome", arguments: rows)
  func counts(_ row: Row) {
    let statistics = UsageStatistics(row.entries)
    let counts = statistics.rows.map { "\($0.day) \($0.institutionID) \($0.method) \($0.outcome.rawValue) \($0.count)" }
    #expect(counts == row.counts)
    #expect(statistics.rows.map(\.count).reduce(0, +) == row.entries.count)
    // The order of the entries does not matter.
    #expect(UsageStatistics(row.entries.reversed()) == statistics)
  }
}
