/// A stored value this version cannot read: the raw value of an enumeration it does not know
/// (written by a newer version, or by hand). A backend refuses the row rather than guess a
/// value for it. It is not a `StorageError`: the store can be read, but what it holds cannot be
/// understood, and that does not pass by itself.
public struct StoredValueError: Error, Sendable, Hashable, CustomStringConvertible {
  /// Where the value is stored, e.g. `subject.kind`.
  public var field: String
  /// The value as stored.
  public var value: String

  /// The error for `value`, found in `field`.
  public init(field: String, value: String) {
    self.field = field
    self.value = value
  }

  /// Reads the stored raw value of an enumeration, or throws if this version does not know it.
  /// (Inlinable: a backend calls it for every row it reads.)
  @inlinable
  public static func decode<Value: RawRepresentable>(
    _ type: Value.Type = Value.self, _ raw: Value.RawValue, field: String
  ) throws(StoredValueError) -> Value {
    guard let value = Value(rawValue: raw) else { throw StoredValueError(field: field, value: "\(raw)") }
    return value
  }

  /// Names the field and the value, for the server's log.
  public var description: String { "\(field) holds \"\(value)\", which this version does not know" }
}
