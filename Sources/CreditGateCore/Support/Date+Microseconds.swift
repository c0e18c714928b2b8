public import Foundation

extension Date {
  /// This instant at microsecond precision, as every storage backend keeps times, so that a
  /// value reads back equal to what was written.
  public var roundedToMicroseconds: Date {
    Date(timeIntervalSince1970: (timeIntervalSince1970 * 1_000_000).rounded() / 1_000_000)
  }
}
