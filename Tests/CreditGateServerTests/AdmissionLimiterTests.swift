@testable import CreditGateServer
import Testing

/// The admission limit on calls in flight across the server (issue 8, defect 6): each scenario is
/// a sequence of acquisitions and releases with the answer expected, and the count after it.
@Suite("AdmissionLimiter")
struct AdmissionLimiterTests {
  enum Step: Sendable, CustomStringConvertible {
    /// `tryAcquire()` answers `admitted`.
    case acquire(admitted: Bool)
    case release

    var description: String {
      switch self {
      case .acquire(let admitted): admitted ? "acquire" : "refused"
      case .release: "release"
      }
    }
  }

  struct Scenario: Sendable, CustomTestStringConvertible {
    var label: String
    var limit: Int
    var steps: [Step]
    var finalCount: Int
    var testDescription: String { label }
  }

  static let scenarios: [Scenario] = [
    Scenario(label: "a limit of one admits one", limit: 1,
             steps: [.acquire(admitted: true), .acquire(admitted: false)], finalCount: 1),
    Scenario(label: "a release frees the slot for the next call", limit: 1,
             steps: [.acquire(admitted: true), .release, .acquire(admitted: true)], finalCount: 1),
    Scenario(label: "up to the limit, then refused", limit: 3,
             steps: [.acquire(admitted: true), .acquire(admitted: true), .acquire(admitted: true),
                     .acquire(admitted: false), .acquire(admitted: false)], finalCount: 3),
    Scenario(label: "a refused call holds no slot", limit: 2,
             steps: [.acquire(admitted: true), .acquire(admitted: true), .acquire(admitted: false),
                     .release, .acquire(admitted: true), .acquire(admitted: false)], finalCount: 2),
    Scenario(label: "all released: back to zero", limit: 2,
             steps: [.acquire(admitted: true), .acquire(admitted: true), .release, .release], finalCount: 0),
    Scenario(label: "interleaved", limit: 2,
             steps: [.acquire(admitted: true), .release, .acquire(admitted: true), .acquire(admitted: true),
                     .acquire(admitted: false), .release, .release, .acquire(admitted: true)], finalCount: 1),
  ]

  @Test("the counting rule", arguments: scenarios)
  func countingRule(_ scenario: Scenario) {
    let limiter = AdmissionLimiter(limit: scenario.limit)
    for (index, step) in scenario.steps.enumerated() {
      switch step {
      case .acquire(let admitted):
        #expect(limiter.tryAcquire() == admitted, "step \(index) (\(step))")
      case .release:
        limiter.release()
      }
      #expect(limiter.current <= scenario.limit, "step \(index): over the limit")
    }
    #expect(limiter.current == scenario.finalCount)
  }

  @Test("admits below the limit only", arguments: [
    (0, 1, true), (1, 1, false), (0, 512, true), (511, 512, true), (512, 512, false), (513, 512, false),
  ])
  func rule(inFlight: Int, limit: Int, admitted: Bool) {
    #expect(AdmissionLimiter.admits(inFlight: inFlight, limit: limit) == admitted)
  }

  @Test("concurrent callers never exceed the limit, and every slot comes back")
  func concurrent() async {
    let limiter = AdmissionLimiter(limit: 8)
    let admitted = await withTaskGroup(of: Int.self) { group in
      for _ in 0..<64 {
        group.addTask {
          var count = 0
          for _ in 0..<200 {
            if limiter.tryAcquire() {
              count += 1
              #expect(limiter.current <= 8)
              await Task.yield()
              limiter.release()
            }
          }
          return count
        }
      }
      return await group.reduce(0, +)
    }
    #expect(admitted > 0)
    #expect(limiter.current == 0)
  }

  @Test("the refusal names the limit and its configuration key")
  func reason() {
    let reason = AdmissionLimiter(limit: 300).refusalReason
    #expect(reason.contains("300"))
    #expect(reason.contains("max_calls_in_flight"))
  }
}
