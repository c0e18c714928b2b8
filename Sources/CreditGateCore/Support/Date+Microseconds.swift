public import Foundation

extension Date {
  /// This instant at microsecond precision, as every storage backend keeps times, so that a
  /// value reads back equal to what was written.
  public var roundedToMicroseconds: Date {
    Date(timeIntervalSince1970: (timeIntervalSince1970 * 1_000_000).rounded() / 1_000_000)
  }
}

extension Date {
  /// Whole microseconds since 1970, rounded as `roundedToMicroseconds` rounds.
  public var microsecondsSince1970: Int64 {
    Int64((timeIntervalSince1970 * 1_000_000).rounded())
  }

  /// Seconds (floored) and non-negative nanoseconds, as `google.protobuf.Timestamp` holds an
  /// instant, computed exactly from the microseconds.
  public var protobufSecondsAndNanos: (seconds: Int64, nanos: Int32) {
    let micros = microsecondsSince1970
    let seconds = micros >= 0 ? micros / 1_000_000 : -((-micros + 999_999) / 1_000_000)
    return (seconds, Int32((micros - seconds * 1_000_000) * 1_000))
  }
}
