/// An offline check of an exported audit log against a signed checkpoint, as
/// `creditgate audit verify` runs it: every entry that fails is named, with a count, not only
/// the first (one bad entry must not hide later tampering).
///
/// The caller feeds the entries in the order of the export; the protobuf decoding and encoding
/// stay with the caller, so the domain knows nothing of the wire format.
public struct LogVerification: Sendable {
  /// An entry that fails, and every reason it fails.
  public struct Failure: Sendable, Hashable, CustomStringConvertible {
    /// The entry's sequence number where it was read; otherwise the one expected there.
    public var sequence: UInt64
    /// The line of the export it was read from (1-based).
    public var line: Int
    public var reasons: [String]
    public var description: String { "entry \(sequence): " + reasons.joined(separator: "; ") + " (line \(line))" }
  }

  public let checkpoint: Checkpoint
  /// The tree of the recomputed leaves, in export order.
  public private(set) var tree = MerkleTree()
  public private(set) var failures: [Failure] = []
  private var line = 0

  /// Starts a verification against `checkpoint`, with no entries added yet.
  public init(checkpoint: Checkpoint) {
    self.checkpoint = checkpoint
  }

  /// Adds the next entry of the export: its sequence and origin as exported, its deterministic
  /// encoding (the leaf's bytes) and the leaf hash recorded when it was appended.
  public mutating func add(
    sequence: UInt64, origin: String, encoding: [UInt8], recordedLeafHash: [UInt8]
  ) {
    line += 1
    var reasons: [String] = []
    let expected = tree.size + 1
    if sequence != expected { reasons.append("sequence \(sequence) where \(expected) was expected") }
    if origin != checkpoint.origin { reasons.append("its origin is not the checkpoint's") }
    let leaf = MerkleTree.hashLeaf(encoding)
    if leaf != recordedLeafHash {
      reasons.append("does not match the leaf hash recorded when it was appended")
    }
    if !reasons.isEmpty { failures.append(Failure(sequence: sequence, line: line, reasons: reasons)) }
    tree.append(leafHash: leaf)
  }

  /// Adds a line of the export that could not be read: it fails, and it keeps its place in
  /// the tree (with a hash no entry has), so that the entries after it are still checked.
  public mutating func addUnreadable(_ reason: String) {
    line += 1
    failures.append(Failure(sequence: tree.size + 1, line: line, reasons: ["cannot be read: \(reason)"]))
    tree.append(leafHash: [UInt8](repeating: 0, count: MerkleTree.hashSize))
  }

  /// What is wrong with the tree as a whole, once every entry is in: nil when the first
  /// `checkpoint.size` leaves hash to the signed root.
  public var treeProblem: String? {
    guard tree.size >= checkpoint.size else {
      return "the export holds \(tree.size) entries; the checkpoint covers \(checkpoint.size)"
    }
    guard (try? tree.rootHash(size: checkpoint.size)) == checkpoint.rootHash else {
      return "the root of the first \(checkpoint.size) entries does not match the checkpoint"
    }
    return nil
  }

  /// Whether every entry verified and the tree matches the checkpoint.
  public var isVerified: Bool { failures.isEmpty && treeProblem == nil }
}
