@testable import CreditGateCore
import Foundation
import Testing

/// A date written out with the day number worked out independently
/// (`python3 -c 'import datetime as d; print((d.date(Y,M,D)-d.date(1970,1,1)).days)'`).
struct KnownDate: Sendable, CustomTestStringConvertible {
  var iso: String
  var year: Int
  var month: Int
  var day: Int
  var dayNumber: Int
  var testDescription: String { iso }
}

@Suite("LocalDate")
struct LocalDateTests {
  static let knownDates: [KnownDate] = [
    .init(iso: "1970-01-01", year: 1970, month: 1, day: 1, dayNumber: 0),
    .init(iso: "1969-12-31", year: 1969, month: 12, day: 31, dayNumber: -1),
    .init(iso: "0001-01-01", year: 1, month: 1, day: 1, dayNumber: -719_162),
    .init(iso: "1600-03-01", year: 1600, month: 3, day: 1, dayNumber: -135_080),
    .init(iso: "1900-02-28", year: 1900, month: 2, day: 28, dayNumber: -25_509),
    .init(iso: "1900-03-01", year: 1900, month: 3, day: 1, dayNumber: -25_508),
    .init(iso: "2000-02-29", year: 2000, month: 2, day: 29, dayNumber: 11_016),
    .init(iso: "2000-03-01", year: 2000, month: 3, day: 1, dayNumber: 11_017),
    .init(iso: "2023-03-01", year: 2023, month: 3, day: 1, dayNumber: 19_417),
    .init(iso: "2024-02-29", year: 2024, month: 2, day: 29, dayNumber: 19_782),
    .init(iso: "2026-01-01", year: 2026, month: 1, day: 1, dayNumber: 20_454),
    .init(iso: "2100-03-01", year: 2100, month: 3, day: 1, dayNumber: 47_541),
    .init(iso: "9999-12-31", year: 9999, month: 12, day: 31, dayNumber: 2_932_896),
  ]

  @Test("parses real dates to the right day number and back", arguments: knownDates)
  func parsesKnownDate(_ known: KnownDate) throws {
    let date = try #require(LocalDate(iso: known.iso))
    #expect(date.dayNumber == known.dayNumber)
    #expect(LocalDate(year: known.year, month: known.month, day: known.day) == date)
    let parts = LocalDate(dayNumber: known.dayNumber).parts
    #expect([parts.year, parts.month, parts.day] as [Int] == [known.year, known.month, known.day])
    #expect(date.iso == known.iso)
    #expect(date.description == known.iso)
  }

  @Test(
    "rejects text that is not a real YYYY-MM-DD date",
    arguments: [
      "2023-02-29",  // not a leap year
      "1900-02-29",  // century, not a leap year
      "2026-13-01",
      "2026-00-10",
      "2026-01-00",
      "2026-04-31",
      "2026-01-32",
      "0000-01-01",
      "2026-1-01",
      "2026-01-1",
      "26-01-01",
      "02026-01-01",
      "",
      "abcd-ef-gh",
      "2026/01/01",
      "20260101",
      "2026-01-01-01",
      "2026-01-01 ",
      " 2026-01-01",
      "+026-01-01",
      "-026-01-01",
      "2026-+1-01",
      "２０２６-01-01",  // full-width digits
      "٢٠٢٦-01-01",  // Arabic-Indic digits
      "2026--01-01",
    ])
  func rejects(_ text: String) {
    #expect(LocalDate(iso: text) == nil)
  }

  @Test(
    "rejects parts that are not a real date",
    arguments: [(2023, 2, 29), (2026, 13, 1), (2026, 0, 1), (2026, 6, 31), (0, 1, 1), (10_000, 1, 1)])
  func rejectsParts(_ year: Int, _ month: Int, _ day: Int) {
    #expect(LocalDate(year: year, month: month, day: day) == nil)
  }

  /// Walks every day from 1896 to 2104 (leap years, the non-leap 1900 and 2100, the leap 2000)
  /// with a calendar written out here, and checks both directions of the conversion.
  @Test("day numbers and calendar parts agree on every day from 1896 to 2104")
  func roundTripsEveryDay() {
    func isLeap(_ year: Int) -> Bool { year % 400 == 0 || (year % 4 == 0 && year % 100 != 0) }
    let monthLengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    var expected = -27_028  // 1896-01-01
    var failures = 0
    for year in 1896...2104 {
      for month in 1...12 {
        let length = month == 2 && isLeap(year) ? 29 : monthLengths[month - 1]
        for day in 1...length {
          let fromParts = LocalDate(year: year, month: month, day: day)
          let parts = LocalDate(dayNumber: expected).parts
          if fromParts?.dayNumber != expected || [parts.year, parts.month, parts.day] != [year, month, day] {
            failures += 1
            if failures <= 5 {
              Issue.record(
                "\(year)-\(month)-\(day): init gave \(String(describing: fromParts?.dayNumber)), expected \(expected); parts of \(expected) gave \(parts)"
              )
            }
          }
          expected += 1
        }
      }
    }
    #expect(failures == 0)
    #expect(expected == -27_028 + 76_336)  // 209 years, 51 of them leap years
  }

  struct Addition: Sendable, CustomTestStringConvertible {
    var from: String
    var days: Int
    var to: String
    var testDescription: String { "\(from) \(days >= 0 ? "+" : "")\(days) = \(to)" }
  }

  @Test(
    "adding days crosses months, years and leap days",
    arguments: [
      Addition(from: "2024-02-28", days: 1, to: "2024-02-29"),
      Addition(from: "2024-02-28", days: 2, to: "2024-03-01"),
      Addition(from: "2023-02-28", days: 1, to: "2023-03-01"),
      Addition(from: "2025-12-31", days: 1, to: "2026-01-01"),
      Addition(from: "2026-01-01", days: -1, to: "2025-12-31"),
      Addition(from: "2024-01-01", days: 365, to: "2024-12-31"),
      Addition(from: "2023-01-01", days: 365, to: "2024-01-01"),
      Addition(from: "2023-12-01", days: 90, to: "2024-02-29"),
      Addition(from: "2023-12-01", days: 1095, to: "2026-11-30"),
      Addition(from: "1970-01-01", days: -1, to: "1969-12-31"),
      Addition(from: "2026-05-17", days: 0, to: "2026-05-17"),
    ])
  func adding(_ addition: Addition) throws {
    let from = try #require(LocalDate(iso: addition.from))
    let result = from.adding(days: addition.days)
    #expect(result.iso == addition.to)
    #expect(result.dayNumber - from.dayNumber == addition.days)
  }

  @Test("the date of an instant is its UTC calendar day, rounding down before 1970")
  func fromInstant() {
    #expect(LocalDate(Date(timeIntervalSince1970: 0)).iso == "1970-01-01")
    #expect(LocalDate(Date(timeIntervalSince1970: 86_399.999)).iso == "1970-01-01")
    #expect(LocalDate(Date(timeIntervalSince1970: 86_400)).iso == "1970-01-02")
    #expect(LocalDate(Date(timeIntervalSince1970: -0.5)).iso == "1969-12-31")
    #expect(LocalDate(Date(timeIntervalSince1970: 19_782 * 86_400 + 43_200)).iso == "2024-02-29")
  }

  @Test("orders by day and codes as an ISO string")
  func comparableAndCodable() throws {
    let early = try #require(LocalDate(iso: "2024-02-29"))
    let late = try #require(LocalDate(iso: "2024-03-01"))
    #expect(early < late)
    #expect(!(late < early))
    let encoded = try JSONEncoder().encode([early])
    #expect(String(decoding: encoded, as: UTF8.self) == #"["2024-02-29"]"#)
    #expect(try JSONDecoder().decode([LocalDate].self, from: encoded) == [early])
    #expect(throws: DecodingError.self) {
      try JSONDecoder().decode([LocalDate].self, from: Data(#"["2023-02-29"]"#.utf8))
    }
  }

  @Test(
    "adding years keeps the day; 29 February becomes 28 February; past year 9999 it still answers",
    arguments: [
      ("2020-02-29", 5, 2025, 2, 28), ("2024-02-29", 4, 2028, 2, 29), ("2023-10-10", 5, 2028, 10, 10),
      ("9998-06-01", 5, 10003, 6, 1), ("9996-02-29", 5, 10001, 2, 28),
    ])
  func addingYears(_ from: String, _ years: Int, _ year: Int, _ month: Int, _ day: Int) throws {
    let date = try #require(LocalDate(iso: from)).adding(years: years)
    #expect(date.parts == (year, month, day))
  }

  @Test("the date of an instant far outside any calendar still answers, clamped")
  func fromExtremeInstant() {
    for seconds in [Double(Int64.max), -Double(Int64.max), .infinity, -.infinity, .nan, 1e300] {
      let date = LocalDate(Date(timeIntervalSince1970: seconds))
      #expect(date.dayNumber.magnitude <= LocalDate.maximumDayMagnitude, "\(seconds)")
    }
  }
}
