/// The SQLite store could not do what was asked; the message names the file or the reason.
public struct SQLiteStoreError: Error, CustomStringConvertible {
  /// What failed: the file or the reason.
  public var description: String

  init(_ description: String) {
    self.description = description
  }
}
