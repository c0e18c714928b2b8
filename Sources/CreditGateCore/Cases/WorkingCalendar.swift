public import Foundation

/// China's working days (DESIGN §9): Monday to Friday, less the public holidays, plus the
/// weekend days made working days (调休上班), as the State Council's yearly notices set them.
/// The notices are data (`config/holidays.json`); past the years it has, the calendar counts
/// Monday to Friday and says so — it never invents holidays.
public struct WorkingCalendar: Sendable, Hashable {
  /// One year's notice.
  public struct Year: Sendable, Hashable, Codable {
    /// A holiday's days off, inclusive.
    public struct DaysOff: Sendable, Hashable, Codable {
      public var name: String
      public var from: LocalDate
      public var to: LocalDate

      /// A holiday from `from` to `to`, both days off.
      public init(name: String, from: LocalDate, to: LocalDate) {
        self.name = name
        self.from = from
        self.to = to
      }
    }

    public var year: Int
    /// The notice the year's dates come from.
    public var notice: String
    public var daysOff: [DaysOff]
    /// Saturdays and Sundays that are working days.
    public var workingWeekends: [LocalDate]

    /// A year of the calendar.
    public init(year: Int, notice: String, daysOff: [DaysOff], workingWeekends: [LocalDate]) {
      self.year = year
      self.notice = notice
      self.daysOff = daysOff
      self.workingWeekends = workingWeekends
    }

    enum CodingKeys: String, CodingKey {
      case year, notice
      case daysOff = "days_off"
      case workingWeekends = "working_weekends"
    }
  }

  /// A deadline in working days.
  public struct Deadline: Sendable, Hashable {
    /// The last day on which the decision is due.
    public var date: LocalDate
    /// The years counted Monday to Friday because the calendar does not have them; empty when
    /// the deadline is exact.
    public var missingYears: [Int]

    /// Whether the deadline was counted over a year the calendar does not have.
    public var isProvisional: Bool { !missingYears.isEmpty }

    /// Why the deadline is provisional, or nil.
    public var provisionalReason: String? {
      guard !missingYears.isEmpty else { return nil }
      let years = missingYears.map(String.init).joined(separator: ", ")
      return "provisional: the holiday calendar has no notice for \(years) yet; counted Monday to Friday"
    }

    /// Creates a deadline.
    public init(date: LocalDate, missingYears: [Int] = []) {
      self.date = date
      self.missingYears = missingYears
    }
  }

  public let years: [Year]
  private let daysOff: Set<LocalDate>
  private let workingWeekends: Set<LocalDate>
  private let knownYears: Set<Int>

  /// The file under the lists folder.
  public static let file = "holidays.json"

  /// A calendar of the given years; checks that each year's dates lie in it, that every
  /// range runs forward, and that every working weekend day is a Saturday or a Sunday off no
  /// holiday.
  public init(years: [Year]) throws(ListError) {
    var daysOff: Set<LocalDate> = []
    var workingWeekends: Set<LocalDate> = []
    var known: Set<Int> = []
    for year in years {
      guard known.insert(year.year).inserted else {
        throw ListError(file: Self.file, "year \(year.year) appears twice")
      }
      for holiday in year.daysOff {
        guard holiday.from <= holiday.to, holiday.to.dayNumber - holiday.from.dayNumber < 31 else {
          throw ListError(file: Self.file, "\(year.year) \(holiday.name): \(holiday.from) to \(holiday.to) is not a range of days off")
        }
        for day in holiday.from.dayNumber...holiday.to.dayNumber {
          let date = LocalDate(dayNumber: day)
          guard date.parts.year == year.year else {
            throw ListError(file: Self.file, "\(year.year) \(holiday.name): \(date) is not in \(year.year)")
          }
          daysOff.insert(date)
        }
      }
      for day in year.workingWeekends {
        guard day.parts.year == year.year else {
          throw ListError(file: Self.file, "\(year.year): working weekend day \(day) is not in \(year.year)")
        }
        guard day.isWeekend, !daysOff.contains(day) else {
          throw ListError(file: Self.file, "\(year.year): \(day) is listed as a working weekend day but is not a Saturday or Sunday off")
        }
        workingWeekends.insert(day)
      }
    }
    self.years = years.sorted { $0.year < $1.year }
    self.daysOff = daysOff
    self.workingWeekends = workingWeekends
    self.knownYears = known
  }

  /// A calendar without notices: Monday to Friday, every deadline provisional.
  public static let mondayToFriday = WorkingCalendar()

  /// The empty calendar: nothing to check, so nothing can fail.
  private init() {
    years = []
    daysOff = []
    workingWeekends = []
    knownYears = []
  }

  /// The last year the calendar has, nil if it has none.
  public var lastYear: Int? { years.last?.year }

  /// Whether the calendar has the notice of `year`.
  public func knows(_ year: Int) -> Bool { knownYears.contains(year) }

  /// Whether `date` is a working day; for a year the calendar does not have, Monday to Friday.
  public func isWorkingDay(_ date: LocalDate) -> Bool {
    if workingWeekends.contains(date) { return true }
    if daysOff.contains(date) { return false }
    return !date.isWeekend
  }

  /// The `workingDays`-th working day after `start` (the day of filing is not counted).
  public func deadline(after start: LocalDate, workingDays: Int) -> Deadline {
    var date = start
    var counted = 0
    var missing: [Int] = []
    while counted < max(workingDays, 0) {
      date = date.adding(days: 1)
      let year = date.parts.year
      if !knows(year), !missing.contains(year) { missing.append(year) }
      if isWorkingDay(date) { counted += 1 }
    }
    return Deadline(date: date, missingYears: missing)
  }

  /// The warning to give at start when the calendar ends within `days` days of `today` (or
  /// already has), nil otherwise.
  public func endingWarning(today: LocalDate, withinDays days: Int = 60) -> String? {
    guard let last = lastYear else {
      return "\(Self.file) has no year: deadlines are counted Monday to Friday and marked provisional"
    }
    guard let end = LocalDate(year: last, month: 12, day: 31), end.dayNumber - today.dayNumber <= days else {
      return nil
    }
    let next = last + 1
    return
      "\(Self.file) ends on \(end): add \(next)'s holidays from the State Council's notice; until then deadlines in \(next) are counted Monday to Friday and marked provisional"
  }

  /// Loads `holidays.json` from the lists folder.
  public static func load(from directory: URL) throws(ListError) -> WorkingCalendar {
    let url = directory.appending(path: file)
    let data: Data
    do { data = try Data(contentsOf: url) } catch { throw ListError(file: url.path, "cannot be read") }
    struct File: Decodable { var years: [Year] }
    let decoded: File
    do { decoded = try JSONDecoder().decode(File.self, from: data) } catch {
      throw ListError(file: url.path, ConfigurationDecoding.explain(error, in: data))
    }
    do { return try WorkingCalendar(years: decoded.years) } catch {
      throw ListError(file: url.path, error.problem)
    }
  }
}

extension LocalDate {
  /// Monday is 0, Sunday 6 (1970-01-01 was a Thursday).
  public var weekdayIndex: Int { ((dayNumber + 3) % 7 + 7) % 7 }

  /// Saturday or Sunday.
  public var isWeekend: Bool { weekdayIndex >= 5 }
}
