/// A request the Merkle tree cannot answer: an index or size outside the tree, or a malformed hash.
public struct MerkleTreeError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What is wrong with the request.
  public struct Code: Sendable, Hashable, CustomStringConvertible {
    enum Wrapped: String, Sendable, Hashable {
      case indexOutOfRange = "INDEX_OUT_OF_RANGE"
      case sizeOutOfRange = "SIZE_OUT_OF_RANGE"
      case invalidHash = "INVALID_HASH"
    }
    let wrapped: Wrapped
    /// A leaf index at or beyond the tree size it was asked about.
    public static let indexOutOfRange = Self(wrapped: .indexOutOfRange)
    /// A tree size larger than the tree, or sizes in the wrong order.
    public static let sizeOutOfRange = Self(wrapped: .sizeOutOfRange)
    /// A hash that is not 32 bytes long.
    public static let invalidHash = Self(wrapped: .invalidHash)
    public var description: String { wrapped.rawValue }
  }

  public var code: Code
  public var message: String

  /// Creates the error; `message` says what is wrong.
  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { "\(code): \(message)" }
}
