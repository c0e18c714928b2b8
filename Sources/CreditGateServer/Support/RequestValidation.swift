import CreditGateCore
import Foundation
import SwiftProtobuf
import Synchronization

extension Gateway {
  /// Checks every string of a request, at any depth, against `InputText`, and every
  /// `google.protobuf.Timestamp` against the years 1970–9999, before anything else reads the
  /// request (DESIGN §2 "Input"). The error names the field by its path, e.g.
  /// `records[3].title`; never its value.
  ///
  /// Invalid UTF-8 never gets this far: SwiftProtobuf refuses it while decoding.
  static func validateRequest(_ message: some SwiftProtobuf.Message) throws(GatewayError) {
    var visitor = RequestValidator(messageType: type(of: message))
    do {
      try message.traverse(visitor: &visitor)
    } catch let error as GatewayError {
      throw error
    } catch {
      throw .invalid(visitor.path.joined(separator: "."), "cannot be read")
    }
  }

  /// Checks the `x-operator-id` value: printable ASCII within `operatorLimit` (gRPC's rule for
  /// text metadata), so that it can be recorded as sent.
  static func validateOperator(_ operatorID: String) throws(GatewayError) {
    try InputText.checkHeader(operatorID, field: operatorHeader, limit: operatorLimit)
  }

  /// The operator id as the audit entry records it: as sent when it is valid, otherwise empty
  /// (the entry's reason says why the call was refused).
  static func recordedOperator(_ operatorID: String) -> String {
    InputText.isValidHeader(operatorID, limit: operatorLimit) ? operatorID : ""
  }
}

/// Walks a message's fields; `path` is where it is, e.g. `["records[3]", "title"]`.
struct RequestValidator: SwiftProtobuf.Visitor {
  var path: [String] = []
  /// The type whose fields are being visited: names come from its name map.
  var messageType: any SwiftProtobuf.Message.Type
  /// Timestamps a request may carry: 1970-01-01T00:00:00Z through 9999-12-31T23:59:59Z.
  static let timestampSeconds: ClosedRange<Int64> = 0...253_402_300_799

  func fieldPath(_ number: Int, index: Int? = nil) -> String {
    var name = Self.protoName(messageType, number) ?? "#\(number)"
    if let index { name += "[\(index)]" }
    return (path + [name]).joined(separator: ".")
  }

  /// The proto name of field `number` of `type`. SwiftProtobuf keeps its name maps internal
  /// (the field-mask helpers that expose them sit behind a package trait), so the name is read
  /// back from the text format of a message holding only that field; each is worked out once.
  static func protoName(_ type: any SwiftProtobuf.Message.Type, _ number: Int) -> String? {
    let key = NameKey(type: ObjectIdentifier(type), number: number)
    if let known = names.withLock({ $0[key] }) { return known }
    // As a string (a set string field prints; an empty one would not), else as a message
    // (present, so printed even when empty).
    guard let name = textFormatName(type, number, payload: [0x61]) ?? textFormatName(type, number, payload: [])
    else { return nil }
    names.withLock { $0[key] = name }
    return name
  }

  struct NameKey: Hashable {
    var type: ObjectIdentifier
    var number: Int
  }

  private static let names = Mutex<[NameKey: String]>([:])

  private static func textFormatName<M: SwiftProtobuf.Message>(
    _ type: M.Type, _ number: Int, payload: [UInt8]
  ) -> String? {
    // Field `number`, length-delimited, holding `payload`.
    var tag = UInt64(number) << 3 | 2
    var bytes: [UInt8] = []
    while tag >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: tag) | 0x80)
      tag >>= 7
    }
    bytes += [UInt8(tag), UInt8(payload.count)] + payload
    guard let message = try? M(serializedBytes: bytes) else { return nil }
    let text = message.textFormatString()
    guard let end = text.firstIndex(where: { $0 == ":" || $0 == " " || $0 == "{" }) else { return nil }
    let name = String(text[..<end])
    guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
    return name
  }

  mutating func check(_ text: String, field: String) throws {
    try InputText.check(text, field: field)
  }

  mutating func visitSingularStringField(value: String, fieldNumber: Int) throws {
    try check(value, field: fieldPath(fieldNumber))
  }

  mutating func visitRepeatedStringField(value: [String], fieldNumber: Int) throws {
    for (index, text) in value.enumerated() {
      try check(text, field: fieldPath(fieldNumber, index: index))
    }
  }

  mutating func visitSingularMessageField<M: SwiftProtobuf.Message>(value: M, fieldNumber: Int) throws {
    try visit(value, at: fieldPath(fieldNumber))
  }

  mutating func visitRepeatedMessageField<M: SwiftProtobuf.Message>(value: [M], fieldNumber: Int) throws {
    for (index, message) in value.enumerated() {
      try visit(message, at: fieldPath(fieldNumber, index: index))
    }
  }

  private mutating func visit<M: SwiftProtobuf.Message>(_ message: M, at field: String) throws {
    if let timestamp = message as? Google_Protobuf_Timestamp {
      guard Self.timestampSeconds.contains(timestamp.seconds) else {
        throw GatewayError.invalid(field, "must be between 1970-01-01 and 9999-12-31")
      }
      guard (0..<1_000_000_000).contains(timestamp.nanos) else {
        throw GatewayError.invalid(field, "nanos must be between 0 and 999,999,999")
      }
      return
    }
    let saved = (path, messageType)
    path = [field]
    messageType = M.self
    try message.traverse(visitor: &self)
    (path, messageType) = saved
  }

  mutating func visitMapField<KeyType, ValueType: MapValueType>(
    fieldType: _ProtobufMap<KeyType, ValueType>.Type, value: _ProtobufMap<KeyType, ValueType>.BaseType,
    fieldNumber: Int
  ) throws {
    try checkMap(value, fieldNumber: fieldNumber)
  }

  mutating func visitMapField<KeyType, ValueType>(
    fieldType: _ProtobufEnumMap<KeyType, ValueType>.Type, value: _ProtobufEnumMap<KeyType, ValueType>.BaseType,
    fieldNumber: Int
  ) throws where ValueType.RawValue == Int {
    try checkMap(value, fieldNumber: fieldNumber)
  }

  mutating func visitMapField<KeyType, ValueType>(
    fieldType: _ProtobufMessageMap<KeyType, ValueType>.Type,
    value: _ProtobufMessageMap<KeyType, ValueType>.BaseType, fieldNumber: Int
  ) throws {
    try checkMap(value, fieldNumber: fieldNumber)
    for (_, message) in value.sorted(by: { "\($0.key)" < "\($1.key)" }) {
      try visit(message, at: fieldPath(fieldNumber))
    }
  }

  /// Request messages have no maps today; should one appear, its string keys and values obey
  /// the same rule.
  private mutating func checkMap<Key, Value>(_ map: [Key: Value], fieldNumber: Int) throws {
    for (key, value) in map {
      if let key = key as? String { try check(key, field: fieldPath(fieldNumber)) }
      if let value = value as? String { try check(value, field: fieldPath(fieldNumber)) }
    }
  }

  // Nothing to check in the other kinds of field.
  mutating func visitSingularDoubleField(value: Double, fieldNumber: Int) throws {}
  mutating func visitSingularInt64Field(value: Int64, fieldNumber: Int) throws {}
  mutating func visitSingularUInt64Field(value: UInt64, fieldNumber: Int) throws {}
  mutating func visitSingularBoolField(value: Bool, fieldNumber: Int) throws {}
  mutating func visitSingularBytesField(value: Data, fieldNumber: Int) throws {}
  mutating func visitSingularEnumField<E: SwiftProtobuf.Enum>(value: E, fieldNumber: Int) throws {}
  mutating func visitUnknown(bytes: Data) throws {}
}
