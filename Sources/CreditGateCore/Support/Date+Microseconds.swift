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
  ///
  /// Clamped to the instants a `google.protobuf.Timestamp` can hold (years 0001–9999), so that
  /// no instant, however far off (or not a number), traps the conversion.
  public var microsecondsSince1970: Int64 {
    let micros = (timeIntervalSince1970 * 1_000_000).rounded()
    guard !micros.isNaN else { return 0 }
    // Compared as doubles, returned as the exact integer bounds (the upper one is not a double).
    if micros >= Double(Self.microsecondRange.upperBound) { return Self.microsecondRange.upperBound }
    if micros <= Double(Self.microsecondRange.lowerBound) { return Self.microsecondRange.lowerBound }
    return Int64(micros)
  }

  /// 0001-01-01T00:00:00Z through 9999-12-31T23:59:59.999999Z, in microseconds since 1970.
  public static let microsecondRange: ClosedRange<Int64> = -62_135_596_800_000_000...253_402_300_799_999_999

  /// Seconds (floored) and non-negative nanoseconds, as `google.protobuf.Timestamp` holds an
  /// instant, computed exactly from the microseconds.
  public var protobufSecondsAndNanos: (seconds: Int64, nanos: Int32) {
    let micros = microsecondsSince1970
    let seconds = micros >= 0 ? micros / 1_000_000 : -((-micros + 999_999) / 1_000_000)
    return (seconds, Int32((micros - seconds * 1_000_000) * 1_000))
  }
}
