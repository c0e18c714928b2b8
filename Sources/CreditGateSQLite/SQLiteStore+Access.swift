import CreditGateCore
import GRDB

extension SQLiteStore {
  /// The accesses in flight, and whether the database is closed. No access reaches a closed
  /// connection (GRDB would hand SQLite a closed handle, which crashes rather than fails), and
  /// closing waits for the accesses in flight.
  enum Access {
    case open(inFlight: Int)
    case closing(inFlight: Int, waiters: [CheckedContinuation<Void, Never>])
    case closed

    /// Counts an access in; false once the store closes.
    mutating func begin() -> Bool {
      guard case .open(let inFlight) = self else { return false }
      self = .open(inFlight: inFlight + 1)
      return true
    }

    /// Counts an access out; returns who waits to close once the last access is done.
    mutating func end() -> [CheckedContinuation<Void, Never>] {
      switch self {
      case .open(let inFlight):
        self = .open(inFlight: inFlight - 1)
      case .closing(let inFlight, let waiters):
        guard inFlight > 1 else {
          self = .closed
          return waiters
        }
        self = .closing(inFlight: inFlight - 1, waiters: waiters)
      case .closed:
        preconditionFailure("an access ended after the store closed")
      }
      return []
    }

    /// Refuses new accesses; returns the waiter if nothing is in flight (it may close now),
    /// or keeps it until the last access ends.
    mutating func close(_ waiter: CheckedContinuation<Void, Never>) -> CheckedContinuation<Void, Never>? {
      switch self {
      case .open(let inFlight) where inFlight > 0:
        self = .closing(inFlight: inFlight, waiters: [waiter])
        return nil
      case .closing(let inFlight, let waiters):
        self = .closing(inFlight: inFlight, waiters: waiters + [waiter])
        return nil
      case .open, .closed:
        self = .closed
        return waiter
      }
    }
  }

  /// Runs one access of the database: refused once the store closes, counted while in flight,
  /// with GRDB's and SQLite's errors surfaced as `StorageError`.
  func accessing<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
    guard access.withLock({ $0.begin() }) else {
      throw StorageError(operation, underlying: SQLiteStoreError("the database is closed"))
    }
    defer {
      for waiter in access.withLock({ $0.end() }) { waiter.resume() }
    }
    do {
      return try await body()
    } catch {
      throw Self.surfaced(error, operation)
    }
  }

  /// Closes the database once the accesses in flight are done, refusing new ones: afterwards
  /// every access throws `StorageError`.
  public func close() async throws {
    await withCheckedContinuation { continuation in
      access.withLock { $0.close(continuation) }?.resume()
    }
    do {
      try writer.close()
    } catch {
      throw Self.surfaced(error, "close the database")
    }
  }
}
