import Foundation

extension Date {
  /// Microseconds since 1970, clamped to what an `Int64` holds (no trap on any `Date`): how the
  /// store keeps times.
  var microsecondsSince1970: Int64 {
    let micros = (timeIntervalSince1970 * 1_000_000).rounded()
    guard micros.isFinite else { return micros > 0 ? .max : .min }
    return Int64(exactly: micros) ?? (micros > 0 ? .max : .min)
  }

  /// The time a stored microsecond count stands for.
  init(microsecondsSince1970 micros: Int64) {
    self.init(timeIntervalSince1970: Double(micros) / 1_000_000)
  }
}
