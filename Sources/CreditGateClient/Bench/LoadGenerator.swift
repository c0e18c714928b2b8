public import Foundation
public import GRPCCore
public import GRPCNIOTransportHTTP2Posix
import Histogram
import Synchronization

/// A load generator over mutual TLS: several connections, a number of calls in flight, for a
/// duration; closed loop (each caller starts its next call when the last one ends) or open loop
/// at a fixed rate. In open loop a call's latency is counted from its *scheduled* start, so a
/// server that falls behind shows it (no coordinated omission). Latencies go into an
/// HdrHistogram; a call that fails is counted by its status code, never as a success.
public struct LoadGenerator: Sendable {
  /// How to load the gateway.
  public struct Options: Sendable {
    public var connections: Int
    public var concurrency: Int
    public var duration: Duration
    /// Calls per second, open loop; nil: closed loop.
    public var rate: Double?

    /// Options for a run.
    public init(connections: Int = 4, concurrency: Int = 64, duration: Duration = .seconds(10), rate: Double? = nil) {
      self.connections = connections
      self.concurrency = concurrency
      self.duration = duration
      self.rate = rate
    }
  }

  /// One run's figures, in the shape of `creditgate bench --json` (DESIGN §11).
  public struct Result: Sendable, Codable, Hashable {
    public var method: String
    /// Calls answered OK.
    public var requests: Int
    /// Answered calls per second.
    public var rps: Double
    public var p50Ms: Double
    public var p90Ms: Double
    public var p99Ms: Double
    public var p999Ms: Double
    /// Failed calls by gRPC status code name.
    public var errors: [String: Int]
    public var seconds: Double
    public var connections: Int
    public var concurrency: Int
    /// The open loop's target rate; nil for closed loop.
    public var rate: Double?

    enum CodingKeys: String, CodingKey {
      case method, requests, rps, errors, seconds, connections, concurrency, rate
      case p50Ms = "p50_ms"
      case p90Ms = "p90_ms"
      case p99Ms = "p99_ms"
      case p999Ms = "p999_ms"
    }
  }

  /// One call, made on `client`; `index` numbers the calls of the run (to pick a subject).
  public typealias Call = @Sendable (GRPCClient<HTTP2ClientTransport.Posix>, Int) async throws -> Void

  private struct Tally {
    var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    var requests = 0
    var errors: [String: Int] = [:]
  }

  /// What the callers share: the tally and the next call's number.
  private final class Shared: Sendable {
    let tally = Mutex(Tally())
    let next = Atomic<Int>(0)
  }

  public let options: Options

  /// A generator with `options`.
  public init(options: Options) {
    self.options = options
  }

  /// Runs `call` against `connection` as the options say, calling `progress` about once a second
  /// with the calls answered and failed so far.
  public func run(
    method: String, connection: GatewayConnection, call: @escaping Call,
    progress: @escaping @Sendable (_ answered: Int, _ failed: Int, _ elapsed: Duration) -> Void = { _, _, _ in }
  ) async throws -> Result {
    let shared = Shared()
    let clock = ContinuousClock()
    let start = clock.now
    let end = start.advanced(by: options.duration)
    let interval = options.rate.map { Duration.seconds(1 / max($0, 0.001)) }
    let connections = max(1, options.connections)
    let perConnection = max(1, options.concurrency / connections)

    try await withThrowingTaskGroup(of: Void.self) { group in
      for _ in 0..<connections {
        group.addTask {
          try await connection.withClient { client in
            await withTaskGroup(of: Void.self) { callers in
              for _ in 0..<perConnection {
                callers.addTask {
                  while true {
                    let index = shared.next.wrappingAdd(1, ordering: .relaxed).oldValue
                    // Open loop: the call's slot on the schedule; closed loop: now.
                    let scheduled = interval.map { start.advanced(by: $0 * index) } ?? clock.now
                    guard scheduled < end else { return }
                    if scheduled > clock.now { try? await Task.sleep(until: scheduled, clock: clock) }
                    do {
                      try await call(client, index)
                      let nanos = UInt64(clamping: (clock.now - scheduled).nanoseconds)
                      shared.tally.withLock { tally in
                        _ = tally.histogram.record(max(nanos, 1))
                        tally.requests += 1
                      }
                    } catch let error as RPCError {
                      shared.tally.withLock { $0.errors[error.code.statusName, default: 0] += 1 }
                    } catch {
                      shared.tally.withLock { $0.errors["CLIENT_ERROR", default: 0] += 1 }
                    }
                  }
                }
              }
            }
          }
        }
      }
      group.addTask {
        while clock.now < end {
          try? await Task.sleep(for: .seconds(1))
          let (answered, failed) = shared.tally.withLock { ($0.requests, $0.errors.values.reduce(0, +)) }
          progress(answered, failed, clock.now - start)
        }
      }
      try await group.waitForAll()
    }
    let seconds = (clock.now - start).seconds
    let final = shared.tally.withLock { $0 }
    func ms(_ percentile: Double) -> Double {
      final.requests == 0 ? 0 : Double(final.histogram.valueAtPercentile(percentile)) / 1_000_000
    }
    return Result(
      method: method, requests: final.requests, rps: Double(final.requests) / max(seconds, 0.001), p50Ms: ms(50),
      p90Ms: ms(90), p99Ms: ms(99), p999Ms: ms(99.9), errors: final.errors, seconds: seconds,
      connections: connections, concurrency: connections * perConnection, rate: options.rate)
  }
}

extension Duration {
  /// The duration in seconds.
  var seconds: Double {
    let (whole, attos) = components
    return Double(whole) + Double(attos) / 1e18
  }

  /// The duration in whole nanoseconds (saturating).
  var nanoseconds: Int64 {
    let (whole, attos) = components
    let (product, overflow) = whole.multipliedReportingOverflow(by: 1_000_000_000)
    guard !overflow else { return whole < 0 ? .min : .max }
    return product.addingReportingOverflow(attos / 1_000_000_000).partialValue
  }
}
