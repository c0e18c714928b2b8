import Foundation

/// Times are stored as `microsecondsSince1970` (CreditGateCore), the count the leaf hash uses.
extension Date {
  /// The time a stored microsecond count stands for.
  init(microsecondsSince1970 micros: Int64) {
    self.init(timeIntervalSince1970: Double(micros) / 1_000_000)
  }
}
