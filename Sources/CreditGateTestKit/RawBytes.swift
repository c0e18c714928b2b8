public import GRPCCore

/// Sends and receives messages as raw bytes: for tests that put on the wire what no generated
/// client would (malformed protobuf, invalid UTF-8), or call any method alike.
public struct RawBytes: MessageSerializer, MessageDeserializer {
  /// Creates the coder; it has no state.
  public init() {}

  /// The bytes as they are.
  public func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }

  /// The bytes as they came.
  public func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> [UInt8] {
    bytes.withUnsafeBytes { Array($0) }
  }
}
