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
///
/// The writer also keeps the log's Merkle tree (RFC 9162): each committed batch appends its
/// leaves in O(log n) and, when a signer is given, is covered by a new signed checkpoint —
/// one signature per batch, not per entry.
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
    var tree: MerkleTree
    var checkpoint: SignedCheckpoint?

    mutating func deliver(_ signal: Signal, to ticket: UInt64) {
      if let waiter = waiters.removeValue(forKey: ticket) {
        waiter.resume(returning: signal)
      } else {
        signals[ticket] = signal
      }
    }
  }

  private let store: any AuditLogStore
  private let signer: NoteSigner?
  private let origin: String
  private let state: Mutex<State>

  /// - Parameters:
  ///   - tree: the tree of the entries already in the store (see `AuditLogStore.leafHashes`).
  ///   - signer: signs a checkpoint after every batch; its name is the log's origin.
  public init(store: any AuditLogStore, tree: MerkleTree = MerkleTree(), signer: NoteSigner? = nil) {
    self.store = store
    self.signer = signer
    self.origin = signer?.name ?? ""
    var state = State(tree: tree)
    if let signer {
      state.checkpoint = Self.sign(tree: tree, origin: signer.name, signer: signer)
    }
    self.state = Mutex(state)
  }

  /// Opens a writer over a store's existing log, rebuilding the tree from its leaf hashes.
  public static func open(store: any AuditLogStore, signer: NoteSigner?) async throws -> AuditWriter {
    AuditWriter(store: store, tree: try MerkleTree(leafHashes: try await store.leafHashes()), signer: signer)
  }

  /// The latest signed checkpoint (nil without a signer).
  public var checkpoint: SignedCheckpoint? { state.withLock { $0.checkpoint } }

  /// A copy of the tree as it stands. Holding it while entries are appended makes the next
  /// append copy every level (copy on write); serve proofs with `withTree` instead.
  public var tree: MerkleTree { state.withLock { $0.tree } }

  /// Runs `body` on the tree under the writer's lock: for proofs and leaf hashes, without
  /// copying the tree. Keep it short — appends wait meanwhile.
  public func withTree<T>(_ body: (MerkleTree) throws -> T) rethrows -> T {
    try state.withLock { try body($0.tree) }
  }

  private static func sign(tree: MerkleTree, origin: String, signer: NoteSigner) -> SignedCheckpoint? {
    guard let checkpoint = try? Checkpoint(origin: origin, size: tree.size, rootHash: tree.rootHash) else {
      return nil
    }
    return SignedCheckpoint(checkpoint: checkpoint, note: signer.sign(checkpoint: checkpoint))
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
    var result: Result<[AuditEntry], any Error>
    do {
      let committed = try await store.append(batch.map(\.entry))
      guard committed.count == batch.count else {
        throw AuditStoreMismatch(expected: batch.count, got: committed.count)
      }
      result = .success(committed)
    } catch {
      result = .failure(error)
    }
    // Hashing and signing happen outside the lock; only the tree append is inside. The next
    // leader is named only below, so no other batch can grow the tree in between, and every
    // caller is answered after the checkpoint that covers its entry is published.
    let leaves = (try? result.get())?.map(\.leafHash) ?? []
    let unsigned: Checkpoint? = state.withLock { state in
      guard case .success(let committed) = result else { return nil }
      guard committed.first?.sequence == state.tree.size + 1 else {
        // Another writer appended to this log: the tree no longer describes it. Fail closed.
        result = .failure(AuditTreeMismatch(treeSize: state.tree.size, sequence: committed.first?.sequence ?? 0))
        return nil
      }
      for leaf in leaves { state.tree.append(leafHash: leaf) }
      return signer == nil ? nil : try? Checkpoint(origin: origin, size: state.tree.size, rootHash: state.tree.rootHash)
    }
    let signed = unsigned.flatMap { checkpoint in
      signer.map { SignedCheckpoint(checkpoint: checkpoint, note: $0.sign(checkpoint: checkpoint)) }
    }
    state.withLock { state in
      state.batches += 1
      if let signed { state.checkpoint = signed }
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

/// A checkpoint and its C2SP signed note.
public struct SignedCheckpoint: Sendable, Hashable {
  public var checkpoint: Checkpoint
  public var note: String
}

struct AuditTreeMismatch: Error, CustomStringConvertible {
  var treeSize: UInt64
  var sequence: UInt64
  var description: String {
    "audit log has entry \(sequence) where the tree of \(treeSize) leaves expected \(treeSize + 1): another writer shares this log"
  }
}

struct AuditStoreMismatch: Error, CustomStringConvertible {
  var expected: Int
  var got: Int
  var description: String { "audit store returned \(got) entries for \(expected)" }
}
