import Synchronization

/// A result set once and awaited by any number of tasks: what one service of the gateway's
/// group waits for from another (the store ready, the gateway started). The first result set
/// stays; a waiter that is cancelled stops waiting with `CancellationError`.
final class Latch<Value: Sendable>: Sendable {
  private enum State {
    case waiting(next: UInt64, waiters: [UInt64: CheckedContinuation<Value, any Error>])
    case set(Result<Value, any Error>)

    /// Sets the result unless one is set; returns the waiters to resume with it.
    mutating func set(_ result: Result<Value, any Error>) -> [CheckedContinuation<Value, any Error>] {
      guard case .waiting(_, let waiters) = self else { return [] }
      self = .set(result)
      return Array(waiters.values)
    }
  }

  private let state = Mutex(State.waiting(next: 0, waiters: [:]))

  /// Sets the result, if none is set yet, and wakes every waiter with it.
  func set(_ result: Result<Value, any Error>) {
    let waiters = state.withLock { $0.set(result) }
    for waiter in waiters { waiter.resume(with: result) }
  }

  /// The result, once it is set.
  func value() async throws -> Value {
    let id = state.withLock { state -> UInt64? in
      guard case .waiting(let next, let waiters) = state else { return nil }
      state = .waiting(next: next + 1, waiters: waiters)
      return next
    }
    guard let id else { return try result!.get() }
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { continuation in
        let result = state.withLock { state -> Result<Value, any Error>? in
          switch state {
          case .set(let result):
            return result
          case .waiting(let next, var waiters):
            if Task.isCancelled { return .failure(CancellationError()) }
            waiters[id] = continuation
            state = .waiting(next: next, waiters: waiters)
            return nil
          }
        }
        if let result { continuation.resume(with: result) }
      }
    } onCancel: {
      let waiter = state.withLock { state -> CheckedContinuation<Value, any Error>? in
        guard case .waiting(let next, var waiters) = state, let waiter = waiters.removeValue(forKey: id) else {
          return nil
        }
        state = .waiting(next: next, waiters: waiters)
        return waiter
      }
      waiter?.resume(throwing: CancellationError())
    }
  }

  /// The result if it is set.
  private var result: Result<Value, any Error>? {
    state.withLock { state in
      guard case .set(let result) = state else { return nil }
      return result
    }
  }
}
