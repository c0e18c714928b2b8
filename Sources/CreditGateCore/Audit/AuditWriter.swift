import Synchronization

/// Appends audit entries with group commit: entries from concurrent calls are committed to the
/// store together, so durability costs one commit (one disk flush) per batch rather than one
/// per call.
///
/// There is no background task. The first caller to find the writer idle becomes the leader:
/// it takes every pending entry (its own included), commits them in one `append`, and hands
/// each caller its result. If more entries arrived meanwhile, leadership passes to the oldest of
/// them, so no caller waits for more than its own batch and the one before it.
///
/// `append` returns only after the entry — and the state change it carries, in the same
/// transaction — is durable, and throws if the store failed; the caller must then disclose
/// nothing (fail closed).
///
/// A writer appends to one log, its origin's: other gateway instances may write their own logs
/// to the same store (DESIGN §8).
///
/// The writer also keeps the log's Merkle tree (RFC 9162). Each batch is sealed inside its own
/// transaction: its leaves are checked to follow the tree, and the checkpoint that covers them
/// is signed and stored with them, so every signed checkpoint is kept and no caller is answered
/// before the checkpoint covering its entry exists.
public final class AuditWriter: Sendable {
  private enum Signal {
    case committed(AuditCommit)
    case failed(any Error)
    case lead
  }

  private struct Pending {
    var ticket: UInt64
    var item: AuditAppend
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
    /// The leaves and checkpoint of the batch being committed, as its seal computed them.
    var sealedLeaves: [[UInt8]] = []
    var sealedCheckpoint: SignedCheckpoint?
    /// False from a failed commit until a commit or a probe succeeds.
    var available = true

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
  /// The log this writer appends to; every entry it commits carries it.
  public let origin: String
  private let state: Mutex<State>

  /// A writer over the log of `origin` in `store`, as it stands (use `open` to check it first).
  /// - Parameters:
  ///   - origin: the log's origin; with a signer, the signer's name.
  ///   - tree: the tree of the entries already in the log (see `AuditLogCheck`).
  ///   - checkpoint: the latest stored checkpoint, if it covers the whole tree.
  ///   - signer: signs a checkpoint for every batch.
  public init(
    store: any AuditLogStore, origin: String, tree: MerkleTree = MerkleTree(),
    checkpoint: SignedCheckpoint? = nil, signer: NoteSigner? = nil
  ) {
    precondition(signer.map { $0.name == origin } ?? true, "a log's checkpoints are signed under its origin")
    self.store = store
    self.signer = signer
    self.origin = origin
    var state = State(tree: tree)
    state.checkpoint = checkpoint
    self.state = Mutex(state)
  }

  /// Opens a writer over the existing log of `signer`'s origin: checks the log against its
  /// last checkpoint (`AuditLogCheck`, which refuses a log that was altered) and, if entries are
  /// not covered by a stored checkpoint yet, signs and stores one for them.
  public static func open(store: any AuditLogStore, signer: NoteSigner) async throws -> AuditWriter {
    let checked = try await AuditLogCheck.run(store: store, signer: signer)
    let writer = AuditWriter(
      store: store, origin: signer.name, tree: checked.tree, checkpoint: checked.checkpoint, signer: signer)
    if checked.checkpoint?.checkpoint.size != checked.tree.size {
      let tree = checked.tree
      let checkpoint = try Checkpoint(origin: signer.name, size: tree.size, rootHash: tree.rootHash)
      let signed = SignedCheckpoint(checkpoint: checkpoint, note: signer.sign(checkpoint: checkpoint))
      _ = try await store.append([], origin: signer.name, seal: { _ in signed })
      writer.state.withLock { $0.checkpoint = signed }
    }
    return writer
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

  /// Entries waiting for the next commit (for tests of the batching).
  var pendingCount: Int { state.withLock { $0.pending.count } }

  /// How many commits the writer has made; with concurrent callers, fewer than the entries.
  public var batchCount: Int { state.withLock { $0.batches } }

  /// Whether the log can be written: false from a failed commit until a commit succeeds or
  /// `probe` finds the store writable again. Health answers `NOT_SERVING` while it is false.
  public var isAvailable: Bool { state.withLock { $0.available } }

  /// Asks the store whether it can be written again, if the last commit failed; returns the
  /// availability afterwards.
  public func probe() async -> Bool {
    if isAvailable { return true }
    do {
      try await store.probeWritable(origin: origin)
      state.withLock { $0.available = true }
      return true
    } catch {
      return false
    }
  }

  /// Commits `entry` durably to this writer's log and returns it as stored: with the log's
  /// origin and its sequence number.
  public func append(_ entry: AuditEntry) async throws -> AuditEntry {
    try await append(AuditAppend(entry: entry)).entry
  }

  /// Commits an entry and the state change it carries in one transaction and returns both
  /// results. A change that failed was rolled back; its entry (completed by `item.complete`)
  /// records the failure and is committed all the same.
  public func append(_ item: AuditAppend) async throws -> AuditCommit {
    let (ticket, leads) = state.withLock { state -> (UInt64, Bool) in
      let ticket = state.nextTicket
      state.nextTicket += 1
      state.pending.append(Pending(ticket: ticket, item: item))
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

  /// Inside the batch's transaction: checks that the entries follow the tree and signs the
  /// checkpoint of the tree with them appended. Only the leader calls it, so the tree does not
  /// change until the batch is applied below.
  private func seal(_ stored: [StoredLeaf]) throws -> SignedCheckpoint? {
    let leaves = stored.map(\.leafHash)
    let (size, root) = try state.withLock { state -> (UInt64, [UInt8]) in
      if let first = stored.first?.entry, first.sequence != state.tree.size + 1 {
        // Another writer appended to this log: the tree no longer describes it. Fail closed.
        throw AuditTreeMismatch(treeSize: state.tree.size, sequence: first.sequence)
      }
      state.sealedLeaves = leaves
      return (state.tree.size + UInt64(leaves.count), state.tree.rootHash(appending: leaves))
    }
    guard let signer else { return nil }
    let checkpoint = try Checkpoint(origin: origin, size: size, rootHash: root)
    let signed = SignedCheckpoint(checkpoint: checkpoint, note: signer.sign(checkpoint: checkpoint))
    state.withLock { $0.sealedCheckpoint = signed }
    return signed
  }

  /// Commits everything pending (the leader's own entry is in it), then passes leadership on.
  private func commitPendingBatch() async {
    let batch = state.withLock { state in
      defer { state.pending.removeAll(keepingCapacity: true) }
      return state.pending
    }
    var result: Result<[AuditCommit], any Error>
    do {
      let committed = try await store.append(batch.map(\.item), origin: origin) { stored in try self.seal(stored) }
      guard committed.count == batch.count else {
        throw AuditStoreMismatch(expected: batch.count, got: committed.count)
      }
      result = .success(committed)
    } catch {
      result = .failure(error)
    }
    state.withLock { state in
      state.batches += 1
      switch result {
      case .success(let committed):
        for leaf in state.sealedLeaves { state.tree.append(leafHash: leaf) }
        if let checkpoint = state.sealedCheckpoint { state.checkpoint = checkpoint }
        state.available = true
        for (index, pending) in batch.enumerated() {
          state.deliver(.committed(committed[index]), to: pending.ticket)
        }
      case .failure(let error):
        state.available = false
        for pending in batch { state.deliver(.failed(error), to: pending.ticket) }
      }
      state.sealedLeaves = []
      state.sealedCheckpoint = nil
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

  /// Pairs a checkpoint with its signed note.
  public init(checkpoint: Checkpoint, note: String) {
    self.checkpoint = checkpoint
    self.note = note
  }
}

/// The store holds an entry the writer's tree did not expect: another writer shares the log.
public struct AuditTreeMismatch: Error, CustomStringConvertible {
  public var treeSize: UInt64
  public var sequence: UInt64
  public var description: String {
    "audit log has entry \(sequence) where the tree of \(treeSize) leaves expected \(treeSize + 1): another writer shares this log"
  }
}

/// The store returned a different number of entries than it was given.
public struct AuditStoreMismatch: Error, CustomStringConvertible {
  public var expected: Int
  public var got: Int
  public var description: String { "audit store returned \(got) entries for \(expected)" }
}
