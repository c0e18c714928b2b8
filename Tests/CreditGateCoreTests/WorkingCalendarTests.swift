import CreditGateCore
import Foundation
import Testing

private func date(_ iso: String) -> LocalDate { LocalDate(iso: iso)! }

@Suite("WorkingCalendar")
struct WorkingCalendarTests {
  let calendar: WorkingCalendar

  init() throws {
    calendar = try WorkingCalendar.load(from: TestSupport.configDirectory)
  }

  struct DeadlineCase: Sendable, CustomTestStringConvertible {
    var filed: String
    var due: String
    var missing: [Int] = []
    var why: String
    var testDescription: String { "\(filed) → \(due): \(why)" }
  }

  /// Five working days after the filing, the day of filing not counted. Weekdays checked by
  /// hand from 2025-01-01 (a Wednesday) and 2026-01-01 (a Thursday).
  static let deadlines: [DeadlineCase] = [
    .init(filed: "2026-12-01", due: "2026-12-08", why: "an ordinary week: Tuesday to Tuesday over a weekend"),
    // Spring Festival 2026: off 02-15 – 02-23; 02-14 (Sat) and 02-28 (Sat) are working days.
    .init(filed: "2026-02-13", due: "2026-02-27", why: "Spring Festival 2026: Sat 02-14 works, 02-15–02-23 off"),
    .init(filed: "2026-02-24", due: "2026-03-02", why: "after Spring Festival 2026: Sat 02-28 works, Sun 03-01 does not"),
    // Spring Festival 2025: off 01-28 – 02-04; 01-26 (Sun) and 02-08 (Sat) are working days.
    .init(filed: "2025-01-24", due: "2025-02-07", why: "Spring Festival 2025: Sun 01-26 works, 01-28–02-04 off"),
    .init(filed: "2025-02-04", due: "2025-02-10", why: "last day off of Spring Festival 2025: Sat 02-08 works"),
    // National Day 2026: off 10-01 – 10-07; 09-20 (Sun) and 10-10 (Sat) are working days;
    // Mid-Autumn 09-25 – 09-27.
    .init(filed: "2026-09-28", due: "2026-10-10", why: "National Day 2026: 10-01–10-07 off, Sat 10-10 works"),
    .init(filed: "2026-09-18", due: "2026-09-24", why: "Sun 09-20 works before Mid-Autumn 2026"),
    .init(filed: "2026-09-24", due: "2026-10-09", why: "Mid-Autumn and National Day 2026 back to back"),
    // National Day 2025: off 10-01 – 10-08; 09-28 (Sun) and 10-11 (Sat) are working days.
    .init(filed: "2025-09-26", due: "2025-10-10", why: "National Day 2025: Sun 09-28 works, 10-01–10-08 off"),
    // Year boundaries.
    .init(filed: "2025-12-29", due: "2026-01-06", why: "into 2026: 01-01–01-03 off, Sun 01-04 works"),
    .init(
      filed: "2026-12-28", due: "2027-01-04", missing: [2027],
      why: "into 2027, which the calendar lacks: Monday to Friday, provisional"),
    .init(filed: "2026-12-24", due: "2026-12-31", why: "ends on the calendar's last day: exact"),
  ]

  @Test("deadlines in working days", arguments: deadlines)
  func deadline(_ item: DeadlineCase) {
    let deadline = calendar.deadline(after: date(item.filed), workingDays: 5)
    #expect(deadline.date == date(item.due))
    #expect(deadline.missingYears == item.missing)
    #expect(deadline.isProvisional == !item.missing.isEmpty)
    if let reason = deadline.provisionalReason {
      #expect(reason.contains("2027"))
    }
  }

  @Test("holidays are days off, make-up days are working days, past the data Monday to Friday")
  func workingDays() {
    for off in ["2026-02-16", "2026-10-05", "2025-01-01", "2026-01-02", "2026-06-19"] {
      #expect(!calendar.isWorkingDay(date(off)), "\(off) is a holiday")
    }
    for working in ["2026-02-14", "2026-02-28", "2026-01-04", "2025-04-27", "2026-09-20"] {
      #expect(calendar.isWorkingDay(date(working)), "\(working) is a make-up working day")
    }
    // 2027-01-01 will very likely be a holiday, but the calendar does not invent it.
    #expect(calendar.isWorkingDay(date("2027-01-01")))
    #expect(!calendar.isWorkingDay(date("2027-01-02")))
    #expect(!calendar.knows(2027))
  }

  @Test("warns when the calendar ends within 60 days")
  func endingWarning() throws {
    let warning = try #require(calendar.endingWarning(today: date("2026-12-02")))
    #expect(warning.contains("2026-12-31"))
    #expect(warning.contains("2027"))
    #expect(calendar.endingWarning(today: date("2026-11-01")) != nil)
    #expect(calendar.endingWarning(today: date("2026-10-31")) == nil)
    #expect(calendar.endingWarning(today: date("2027-03-01")) != nil)
  }

  @Test("refuses a working weekend day that is a weekday, or a day outside its year")
  func validation() {
    let weekday = WorkingCalendar.Year(
      year: 2026, notice: "n", daysOff: [], workingWeekends: [date("2026-02-16")])
    #expect(throws: ListError.self) { try WorkingCalendar(years: [weekday]) }
    let elsewhere = WorkingCalendar.Year(
      year: 2026, notice: "n", daysOff: [.init(name: "x", from: date("2025-12-31"), to: date("2026-01-01"))],
      workingWeekends: [])
    #expect(throws: ListError.self) { try WorkingCalendar(years: [elsewhere]) }
    #expect(throws: ListError.self) {
      try WorkingCalendar(years: [.init(year: 2026, notice: "n", daysOff: [], workingWeekends: [])] + [
        .init(year: 2026, notice: "n", daysOff: [], workingWeekends: [])
      ])
    }
  }

  /// The notices as `../shared/data/china-public-holidays.md` gives them (checked against two
  /// copies of each), copied here so that the shipped file is compared with them.
  static let notices: [Int: (off: [String], work: [String])] = [
    2025: (
      off: [
        "01-01…01-01", "01-28…02-04", "04-04…04-06", "05-01…05-05", "05-31…06-02", "10-01…10-08",
      ],
      work: ["01-26", "02-08", "04-27", "09-28", "10-11"]),
    2026: (
      off: [
        "01-01…01-03", "02-15…02-23", "04-04…04-06", "05-01…05-05", "06-19…06-21", "09-25…09-27",
        "10-01…10-07",
      ],
      work: ["01-04", "02-14", "02-28", "05-09", "09-20", "10-10"]),
  ]

  @Test("the shipped file's years match the State Council's notices, day for day")
  func shippedYears() {
    #expect(calendar.years.map(\.year) == [2025, 2026])
    for year in calendar.years {
      let notice = Self.notices[year.year]
      let off = year.daysOff.map { "\($0.from.iso.dropFirst(5))…\($0.to.iso.dropFirst(5))" }
      #expect(off == notice?.off, "\(year.year) days off")
      #expect(year.workingWeekends.map { String($0.iso.dropFirst(5)) } == notice?.work, "\(year.year) make-up days")
      #expect(!year.notice.isEmpty)
    }
  }
}
