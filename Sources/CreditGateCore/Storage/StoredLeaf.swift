/// An entry as stored, with the leaf hash recorded when it was appended.
public struct StoredLeaf: Sendable, Hashable {
  public var entry: AuditEntry
  public var leafHash: [UInt8]

  /// Pairs an entry with the leaf hash stored for it.
  public init(entry: AuditEntry, leafHash: [UInt8]) {
    self.entry = entry
    self.leafHash = leafHash
  }
}
