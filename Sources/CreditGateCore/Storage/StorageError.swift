/// A failure of the storage backend: it cannot be read or written now (the disk, the database
/// server, a lock). Backends throw it, and only it, for such failures; the gateway answers it
/// `UNAVAILABLE`. The description names the operation and the backend's own error, for the
/// server's log; it never reaches a caller.
public struct StorageError: Error, Sendable, CustomStringConvertible {
  /// What the store was doing, e.g. "submit records".
  public var operation: String
  /// The backend's own error.
  public var underlying: any Error

  /// A failure to do `operation`, caused by the backend's `underlying` error.
  public init(_ operation: String, underlying: any Error) {
    self.operation = operation
    self.underlying = underlying
  }

  public var description: String { "storage failed to \(operation): \(underlying)" }
}
