@testable import CreditGateCore
import Foundation
import Testing

@Suite("Date microseconds")
struct DateMicrosecondsTests {
  // Issue 8, defect 5: a Timestamp with seconds = Int64.max became a Date whose microseconds
  // trapped `Int64(_:)`.
  @Test(
    "an instant beyond the Timestamp range is clamped, never trapped",
    arguments: [Double(Int64.max), -Double(Int64.max), 1e300, -1e300, .infinity, -.infinity, .nan])
  func extremeInstants(_ seconds: Double) {
    let date = Date(timeIntervalSince1970: seconds)
    let micros = date.microsecondsSince1970
    #expect(Date.microsecondRange.contains(micros))
    let (whole, nanos) = date.protobufSecondsAndNanos
    #expect((0..<1_000_000_000).contains(nanos))
    #expect((-62_135_596_800...253_402_300_799).contains(whole))
  }

  @Test("ordinary instants are exact to the microsecond", arguments: [0, 1.5, -1.5, 1_767_225_600.123456])
  func ordinary(_ seconds: Double) {
    let date = Date(timeIntervalSince1970: seconds)
    #expect(date.microsecondsSince1970 == Int64((seconds * 1_000_000).rounded()))
  }
}
