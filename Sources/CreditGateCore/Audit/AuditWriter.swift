import Synchronization

/// Appends audit entries with group commit: entries from concurrent calls are committed to the
/// store together, so durability costs one commit per batch rather than one per call.
///
/// There is no background task. The first caller to find the writer idle becomes the leader:
/// it takes every pending entry (its own included), commits them in one `append`, and hands
/// each caller its result. If more entries arrived meanwhile, leadership passes to the oldest of
/// them, so no caller waits for more than its own batch and the one before it.
///
/// `append` returns only after the entry is durable, and throws if the store failed; the
/// caller must then disclose nothing (fail closed).
public final class AuditWriter: Sendable {
  private enum Signal {
    case committed(AuditEntry)
    case failed(any Error)
    case lead
  }

  private struct Pending {
    var ticket: UInt64
    var entry: AuditEntry
  }

  private struct State {
    var nextTicket: UInt64 = 0
    var pending: [Pending] = []
    var leaderActive = false
    /// Signals delivered before their caller started waiting.
    var signals: [UInt64: Signal] = [:]
    var waiters: [UInt64: CheckedContinuation<Signal, Never>] = [:]
    var batches = 0

    mutating func deliver(_ signal: Signal, to ticket: UInt64) {
      if let waiter = waiters.removeValue(forKey: ticket) {
        waiter.resume(returning: signal)
      } else {
        signals[ticket] = signal
      }
    }
  }

  private let store: any AuditLogStore
  private let state = Mutex(State())

  public init(store: any AuditLogStore) {
    self.store = store
  }

  /// How many commits the writer has made; with concurrent callers, fewer than the entries.
  public var batchCount: Int { state.withLock { $0.batches } }

  /// Commits `entry` durably and returns it with its sequence number.
  public func append(_ entry: AuditEntry) async throws -> AuditEntry {
    let (ticket, leads) = state.withLock { state -> (UInt64, Bool) in
      let ticket = state.nextTicket
      state.nextTicket += 1
      state.pending.append(Pending(ticket: ticket, entry: entry))
      if state.leaderActive { return (ticket, false) }
      state.leaderActive = true
      return (ticket, true)
    }
    var signal = leads ? Signal.lead : await wait(for: ticket)
    if case .lead = signal {
      await commitPendingBatch()
      signal = await wait(for: ticket)
    }
    switch signal {
    case .committed(let committed): return committed
    case .failed(let error): throw error
    case .lead: preconditionFailure("a leader is never asked to lead twice")
    }
  }

  private func wait(for ticket: UInt64) async -> Signal {
    await withCheckedContinuation { continuation in
      state.withLock { state in
        if let signal = state.signals.removeValue(forKey: ticket) {
          continuation.resume(returning: signal)
        } else {
          state.waiters[ticket] = continuation
        }
      }
    }
  }

  /// Commits everything pending (the leader's own entry is in it), then passes leadership on.
  private func commitPendingBatch() async {
    let batch = state.withLock { state in
      defer { state.pending.removeAll(keepingCapacity: true) }
      return state.pending
    }
    let result: Result<[AuditEntry], any Error>
    do {
      let committed = try await store.append(batch.map(\.entry))
      guard committed.count == batch.count else {
        throw AuditStoreMismatch(expected: batch.count, got: committed.count)
      }
      result = .success(committed)
    } catch {
      result = .failure(error)
    }
    state.withLock { state in
      state.batches += 1
      for (index, pending) in batch.enumerated() {
        switch result {
        case .success(let committed): state.deliver(.committed(committed[index]), to: pending.ticket)
        case .failure(let error): state.deliver(.failed(error), to: pending.ticket)
        }
      }
      if let next = state.pending.first {
        state.deliver(.lead, to: next.ticket)
      } else {
        state.leaderActive = false
      }
    }
  }
}

struct AuditStoreMismatch: Error, CustomStringConvertible {
  var expected: Int
  var got: Int
  var description: String { "audit store returned \(got) entries for \(expected)" }
}
