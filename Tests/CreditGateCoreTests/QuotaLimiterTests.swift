import CreditGateCore
import Foundation
import Testing

/// The per-institution query quota (DESIGN §3): a token bucket whose time comes from the
/// caller, so each scenario is a list of calls at given instants and the answers expected.
@Suite("QuotaLimiter")
struct QuotaLimiterTests {
  /// 2026-01-01T00:00:00Z.
  static let start = Date(timeIntervalSince1970: 1_767_225_600)

  struct Call: Sendable {
    var institution: String
    /// Seconds after `start`.
    var at: TimeInterval
    var allowed: Bool
  }

  struct Scenario: Sendable, CustomTestStringConvertible {
    var label: String
    var quotaPerMinute: Int
    var calls: [Call]
    var testDescription: String { label }
  }

  /// `count` calls by `institution` at the same instant, all with the same answer.
  static func calls(_ count: Int, _ institution: String = "bank-a", at: TimeInterval, allowed: Bool) -> [Call] {
    Array(repeating: Call(institution: institution, at: at, allowed: allowed), count: count)
  }

  static let scenarios: [Scenario] = [
    Scenario(
      label: "quota 3: three allowed, the fourth refused at the same instant", quotaPerMinute: 3,
      calls: calls(3, at: 0, allowed: true) + calls(1, at: 0, allowed: false)),
    Scenario(
      label: "one token comes back after 20 s at 3 per minute, not before", quotaPerMinute: 3,
      calls: calls(3, at: 0, allowed: true) + calls(1, at: 0, allowed: false)
        + calls(1, at: 19.9, allowed: false) + calls(1, at: 20, allowed: true) + calls(1, at: 20, allowed: false)
        + calls(1, at: 40, allowed: true) + calls(1, at: 40, allowed: false)),
    Scenario(
      label: "separate institutions have separate buckets", quotaPerMinute: 3,
      calls: calls(3, "bank-a", at: 0, allowed: true) + calls(1, "bank-a", at: 0, allowed: false)
        + calls(3, "bank-b", at: 0, allowed: true) + calls(1, "bank-b", at: 0, allowed: false)
        + calls(1, "bank-a", at: 0, allowed: false)),
    Scenario(
      label: "a clock going backwards does not mint tokens", quotaPerMinute: 3,
      calls: calls(3, at: 100, allowed: true)
        // A minute earlier: were the distance counted, three tokens would appear.
        + calls(1, at: 40, allowed: false)
        // Back at the latest instant seen: still nothing has elapsed since the burst.
        + calls(1, at: 100, allowed: false)
        // Twenty seconds after the latest instant seen, one token, and only one.
        + calls(1, at: 120, allowed: true) + calls(1, at: 120, allowed: false)),
    Scenario(
      label: "a long idle refills up to the quota, never beyond", quotaPerMinute: 3,
      calls: calls(3, at: 0, allowed: true) + calls(3, at: 3_600, allowed: true)
        + calls(1, at: 3_600, allowed: false)),
    Scenario(
      label: "the first call of an institution finds a full bucket", quotaPerMinute: 1,
      calls: calls(1, at: 0, allowed: true) + calls(1, at: 59, allowed: false) + calls(1, at: 60, allowed: true)),
    Scenario(
      label: "a large quota allows its whole burst", quotaPerMinute: 600,
      calls: calls(600, at: 0, allowed: true) + calls(1, at: 0, allowed: false) + calls(1, at: 0.2, allowed: true)),
  ]

  @Test("token bucket scenarios", arguments: scenarios)
  func scenario(_ scenario: Scenario) {
    let limiter = QuotaLimiter()
    for (index, call) in scenario.calls.enumerated() {
      let allowed = limiter.allow(
        call.institution, quotaPerMinute: scenario.quotaPerMinute, now: Self.start.addingTimeInterval(call.at))
      #expect(allowed == call.allowed, "call \(index) by \(call.institution) at +\(call.at) s")
    }
  }

  @Test("concurrent callers never get more than the quota")
  func concurrent() async {
    let limiter = QuotaLimiter()
    let now = Self.start
    let allowed = await withTaskGroup(of: Bool.self) { group in
      for _ in 0..<100 {
        group.addTask { limiter.allow("bank-a", quotaPerMinute: 10, now: now) }
      }
      var count = 0
      for await answer in group where answer { count += 1 }
      return count
    }
    #expect(allowed == 10)
  }
}
