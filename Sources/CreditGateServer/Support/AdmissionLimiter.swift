import Synchronization

/// Bounds the calls the gateway works on at once, across every connection. A call past the bound
/// is refused at once (`RESOURCE_EXHAUSTED`, naming the limit) instead of queueing: under a flood
/// the calls already admitted keep their pace, memory stays bounded, and the caller learns why.
///
/// The counting rule: a call is admitted when fewer than `limit` calls hold a slot; an admitted
/// call holds its slot until it releases it (once); a refused call holds none.
public final class AdmissionLimiter: Sendable {
  /// The default of `max_calls_in_flight`: a few times what two cores keep busy, so that bursts
  /// are absorbed, and small enough that a flood is refused before memory grows.
  public static let defaultLimit = 512

  public let limit: Int
  private let inFlight = Mutex(0)

  /// A limiter that admits at most `limit` (positive) calls at once.
  public init(limit: Int = AdmissionLimiter.defaultLimit) {
    precondition(limit > 0, "an admission limit must be positive")
    self.limit = limit
  }

  /// The rule itself: may a call start when `inFlight` calls hold a slot?
  static func admits(inFlight: Int, limit: Int) -> Bool { inFlight < limit }

  /// Takes a slot if one is free; a `true` must be matched by one `release()`.
  public func tryAcquire() -> Bool {
    inFlight.withLock { count in
      guard Self.admits(inFlight: count, limit: limit) else { return false }
      count += 1
      return true
    }
  }

  /// Gives back a slot taken by `tryAcquire()`.
  public func release() {
    inFlight.withLock { count in
      precondition(count > 0, "released an admission slot that was never taken")
      count -= 1
    }
  }

  /// Calls holding a slot now.
  public var current: Int { inFlight.withLock { $0 } }

  /// The refusal a caller sees past the bound.
  public var refusalReason: String {
    "the gateway is at its limit of \(limit) calls in flight (max_calls_in_flight); try again shortly"
  }
}
