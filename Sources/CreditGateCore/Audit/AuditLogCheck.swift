import Foundation
/// The start-up check of the audit log (DESIGN §8): before a gateway serves, it reads every
/// entry, recomputes its leaf from its content, and checks the tree against the checkpoints it
/// signed before. A log that was altered, cut short or renumbered behind the gateway's back is
/// refused, naming the first bad entry; it is never signed again.
public enum AuditLogCheck {
  /// The tree of a log that passed, and its latest stored checkpoint.
  public struct Result: Sendable {
    public var tree: MerkleTree
    public var checkpoint: SignedCheckpoint?
  }

  /// Entries read per page: enough to keep reads cheap, few enough to keep memory flat.
  static let pageSize = 10_000

  /// Checks the log of `signer`'s origin in `store` (other logs in the store are not read).
  ///
  /// - every entry has the next sequence number (none missing, none repeated);
  /// - every entry's leaf, recomputed from its content, equals the leaf hash stored with it;
  /// - the latest checkpoint verifies with `signer`'s key, covers no entry the log lacks, and its
  ///   root equals the recomputed tree's root at its size.
  ///
  /// When the last check fails although every entry matches its stored hash (both were
  /// rewritten), the earlier checkpoints narrow down where: the first bad entry lies after the
  /// last checkpoint that still agrees.
  public static func run(store: any AuditLogStore, signer: NoteSigner) async throws -> Result {
    var tree = MerkleTree()
    var after: UInt64 = 0
    while true {
      let page = try await store.storedLeaves(origin: signer.name, after: after, limit: pageSize)
      guard !page.isEmpty else { break }
      for stored in page {
        let expected = tree.size + 1
        guard stored.entry.sequence == expected else {
          throw AuditLogIntegrityError(
            sequence: expected,
            stored.entry.sequence > expected
              ? "is missing: the next stored entry is \(stored.entry.sequence)"
              : "is stored twice")
        }
        guard stored.entry.origin == signer.name else {
          throw AuditLogIntegrityError(sequence: expected, "was read from the log \"\(stored.entry.origin)\", not this one")
        }
        let leaf = stored.entry.leafHash
        guard leaf == stored.leafHash else {
          throw AuditLogIntegrityError(
            sequence: expected, "its content no longer matches the leaf hash recorded when it was appended")
        }
        tree.append(leafHash: leaf)
      }
      after = tree.size
    }
    let checkpoints = try await store.checkpoints(origin: signer.name).sorted {
      $0.checkpoint.size < $1.checkpoint.size
    }
    guard let latest = checkpoints.last else { return Result(tree: tree, checkpoint: nil) }
    let verifier = try NoteVerifier(vkey: signer.publicVerifierKey)
    guard (try? verifier.verify(note: latest.note)) == latest.checkpoint else {
      throw AuditLogIntegrityError(
        sequence: nil,
        "the latest checkpoint (tree size \(latest.checkpoint.size)) does not verify with this gateway's key \(signer.name)+\(String(signer.keyID, radix: 16))")
    }
    guard latest.checkpoint.size <= tree.size,
      try tree.rootHash(size: latest.checkpoint.size) == latest.checkpoint.rootHash
    else {
      throw firstDisagreement(tree: tree, checkpoints: checkpoints)
    }
    return Result(tree: tree, checkpoint: latest)
  }

  /// Appends `count` synthetic entries in batches, sealed as the writer seals them: a large log
  /// for measuring this check (`creditgate audit check --append-synthetic`).
  public static func appendSynthetic(_ count: Int, batch: Int, to store: any AuditLogStore, signer: NoteSigner) async throws {
    let writer = try await AuditWriter.open(store: store, signer: signer)
    var written = 0
    while written < count {
      let size = min(batch, count - written)
      try await withThrowingTaskGroup(of: Void.self) { group in
        for index in written..<(written + size) {
          let entry = AuditEntry(
            origin: signer.name, time: Date(timeIntervalSince1970: 1_767_225_600 + Double(index) / 1000),
            institutionID: "demo-hr-bureau", certificateFingerprint: String(repeating: "ab", count: 32),
            operatorID: "synthetic-\(index % 97)", method: "/creditgate.v1.CreditQuery/GetProfile",
            purpose: "civil-servant-recruitment", subjectPseudonym: String(repeating: "5e", count: 32),
            outcome: .answered, statusCode: 0, categoriesDisclosed: ["fraud"], recordsDisclosed: index % 3,
            responseDigest: String(repeating: "d1", count: 32))
          group.addTask { _ = try await writer.append(entry) }
        }
        try await group.waitForAll()
      }
      written += size
    }
  }

  /// Where the recomputed tree first departs from what was signed: the first checkpoint, by
  /// size, that covers entries the log lacks or whose root differs. Only the failing path
  /// compares every checkpoint (the check reads them all, one per batch, to find the latest).
  static func firstDisagreement(tree: MerkleTree, checkpoints: [SignedCheckpoint]) -> AuditLogIntegrityError {
    var agreed: UInt64 = 0
    for signed in checkpoints {
      let size = signed.checkpoint.size
      guard size <= tree.size else {
        return AuditLogIntegrityError(
          sequence: tree.size + 1,
          "is missing: the checkpoint of tree size \(size) covered entries up to \(size), the log ends at \(tree.size)")
      }
      guard (try? tree.rootHash(size: size)) == signed.checkpoint.rootHash else {
        return AuditLogIntegrityError(
          sequence: agreed + 1, through: size,
          "\(agreed + 1 == size ? "differs" : "one or more of them differ") from what the checkpoint of tree size \(size) signed")
      }
      agreed = size
    }
    return AuditLogIntegrityError(sequence: nil, "disagrees with its latest checkpoint")
  }
}

/// The audit log failed the start-up check: the gateway refuses to start.
public struct AuditLogIntegrityError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The first bad entry, when one can be named; with `through`, the first of a range that
  /// holds it (the entries between two checkpoints).
  public var sequence: UInt64?
  public var through: UInt64?
  public var problem: String

  /// Creates the failure of the entry at `sequence` (or of the range to `through`), with what is wrong.
  public init(sequence: UInt64?, through: UInt64? = nil, _ problem: String) {
    self.sequence = sequence
    self.through = through.flatMap { $0 == sequence ? nil : $0 }
    self.problem = problem
  }

  public var description: String {
    let subject =
      switch (sequence, through) {
      case (let first?, let last?): "audit log entries \(first)…\(last):"
      case (let first?, nil): "audit log entry \(first)"
      case (nil, _): "audit log:"
      }
    return "\(subject) \(problem); the gateway will not sign over an altered log (restore the database from a backup, or move it aside to start a new log)"
  }
}
