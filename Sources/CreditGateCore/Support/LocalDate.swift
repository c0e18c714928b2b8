public import Foundation

/// A calendar date without a time zone (`YYYY-MM-DD`), as the API carries dates.
public struct LocalDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
  /// Days since 1970-01-01 in the proleptic Gregorian calendar.
  public let dayNumber: Int

  /// The date `dayNumber` days after 1970-01-01 (before it, if negative).
  public init(dayNumber: Int) { self.dayNumber = dayNumber }

  /// A date from its parts, or nil if the parts are not a real date.
  public init?(year: Int, month: Int, day: Int) {
    guard (1...9999).contains(year), (1...12).contains(month),
      (1...LocalDate.daysIn(month: month, year: year)).contains(day)
    else { return nil }
    self.dayNumber = Self.dayNumber(year: year, month: month, day: day)
  }

  /// Days from civil (Howard Hinnant's algorithm), for any year: arithmetic on dates derived
  /// from stored ones (five years after an act ended) must never fail, even past year 9999.
  static func dayNumber(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146097 + doe - 719468
  }

  /// The same day `years` later (earlier, if negative); 29 February becomes 28 February in a
  /// common year. Never fails, even past year 9999.
  public func adding(years: Int) -> LocalDate {
    let (y, m, d) = parts
    let year = y + years
    return LocalDate(
      dayNumber: Self.dayNumber(year: year, month: m, day: min(d, Self.daysIn(month: m, year: year))))
  }

  /// The largest day number (either side of 1970) an instant is clamped to: about a billion
  /// years, far outside any real date, and far from overflowing the calendar arithmetic.
  public static let maximumDayMagnitude: UInt = 400_000_000_000

  /// Parses exactly `YYYY-MM-DD`.
  public init?(iso text: String) {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
      parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
      let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
    else { return nil }
    self.init(year: y, month: m, day: d)
  }

  /// The UTC calendar date of an instant; an instant beyond `maximumDayMagnitude` days (or not
  /// a number) is clamped rather than trapping.
  public init(_ date: Date) {
    let days = (date.timeIntervalSince1970 / 86_400).rounded(.down)
    let limit = Double(Self.maximumDayMagnitude)
    self.init(dayNumber: days.isNaN ? 0 : Int(min(max(days, -limit), limit)))
  }

  public var parts: (year: Int, month: Int, day: Int) {
    let z = dayNumber + 719468
    let era = (z >= 0 ? z : z - 146096) / 146097
    let doe = z - era * 146097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
  }

  /// The date `days` later (earlier, if negative).
  public func adding(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + days) }

  public var iso: String {
    let (y, m, d) = parts
    return String(format: "%04d-%02d-%02d", y, m, d)
  }

  public var description: String { iso }

  /// `Comparable`: the earlier date is the lesser.
  public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool { lhs.dayNumber < rhs.dayNumber }

  /// The number of days in `month` (1–12) of `year`, leap years by the Gregorian rule.
  public static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  /// `Decodable`: reads a `YYYY-MM-DD` string; anything else is a data-corrupted error.
  public init(from decoder: any Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    guard let date = LocalDate(iso: text) else {
      throw DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath, debugDescription: "not a YYYY-MM-DD date: \(text)"))
    }
    self = date
  }

  /// `Encodable`: writes the date as `YYYY-MM-DD`.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(iso)
  }
}
