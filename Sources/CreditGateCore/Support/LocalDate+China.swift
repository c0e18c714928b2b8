public import Foundation

extension LocalDate {
  /// Today's date in China (UTC+8, which has no daylight saving time): disclosure periods and
  /// birth dates run on the local calendar.
  public static func todayInChina(now: Date = Date()) -> LocalDate {
    LocalDate(now.addingTimeInterval(8 * 3600))
  }
}
