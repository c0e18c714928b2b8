import CreditGateCore
import Foundation
import GRDB

/// A row of `checkpoint`: a signed checkpoint of one log, stored in the transaction of the batch
/// it covers. Every one is kept.
struct CheckpointRow: Codable, FetchableRecord, PersistableRecord {
  static let databaseTableName = "checkpoint"

  var origin: String
  var treeSize: Int64
  var rootHash: Data
  /// The C2SP signed note.
  var note: String

  enum CodingKeys: String, CodingKey {
    case origin
    case treeSize = "tree_size"
    case rootHash = "root_hash"
    case note
  }

  enum Columns {
    static let origin = Column(CodingKeys.origin)
    static let treeSize = Column(CodingKeys.treeSize)
  }

  init(_ signed: SignedCheckpoint) {
    origin = signed.checkpoint.origin
    treeSize = Int64(clamping: signed.checkpoint.size)
    rootHash = Data(signed.checkpoint.rootHash)
    note = signed.note
  }

  /// The checkpoint this row stores; throws if its root hash is not a SHA-256.
  func signedCheckpoint() throws -> SignedCheckpoint {
    SignedCheckpoint(
      checkpoint: try Checkpoint(origin: origin, size: UInt64(clamping: treeSize), rootHash: Array(rootHash)),
      note: note)
  }
}
