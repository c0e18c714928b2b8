public import Foundation
import Synchronization

/// Each institution's query quota per minute, as a token bucket: a burst of up to the quota,
/// refilled at quota / 60 per second. Time comes from the caller, so tests need no waiting.
public final class QuotaLimiter: Sendable {
  private struct Bucket {
    var tokens: Double
    var updated: Date
  }

  private let buckets = Mutex([String: Bucket]())

  /// Creates a limiter in which every institution starts with a full bucket.
  public init() {}

  /// Takes one token for `institution` if it has one.
  public func allow(_ institution: String, quotaPerMinute: Int, now: Date) -> Bool {
    let capacity = Double(quotaPerMinute)
    return buckets.withLock { buckets in
      var bucket = buckets[institution] ?? Bucket(tokens: capacity, updated: now)
      let elapsed = max(0, now.timeIntervalSince(bucket.updated))
      bucket.tokens = min(capacity, bucket.tokens + elapsed * capacity / 60)
      bucket.updated = max(bucket.updated, now)
      let allowed = bucket.tokens >= 1
      if allowed { bucket.tokens -= 1 }
      buckets[institution] = bucket
      return allowed
    }
  }
}
