public import Foundation

/// Turns a `DecodingError` into one line that names the position and the problem.
public enum ConfigurationDecoding {
  /// One line for an `error` met decoding `data`: the key path and the problem, or the line of a
  /// JSON syntax error. An error that is not a `DecodingError` is described as it is.
  public static func explain(_ error: any Error, in data: Data) -> String {
    guard let error = error as? DecodingError else { return "\(error)" }
    func path(_ context: DecodingError.Context) -> String {
      let keys = context.codingPath.map { key in
        key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)"
      }.joined()
      return keys.isEmpty ? "top level" : String(keys.dropFirst(keys.hasPrefix(".") ? 1 : 0))
    }
    switch error {
    case .dataCorrupted(let context):
      if context.codingPath.isEmpty, let line = syntaxErrorLine(in: data) {
        return "line \(line): not valid JSON"
      }
      return "\(path(context)): \(context.debugDescription)"
    case .keyNotFound(let key, let context):
      return "\(path(context)): missing key \"\(key.stringValue)\""
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
      return "\(path(context)): \(context.debugDescription)"
    @unknown default:
      return "\(error)"
    }
  }

  /// The line of a JSON syntax error. `JSONDecoder` on Linux does not carry the position, so
  /// parse again with `JSONSerialization`, whose error names the byte offset — in its user info
  /// on some platforms, only in its message ("around character N") on others.
  static func syntaxErrorLine(in data: Data) -> Int? {
    do {
      _ = try JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed)
      return nil
    } catch let error as NSError {
      var offset = error.userInfo["NSJSONSerializationErrorIndex"] as? Int
      if offset == nil, let message = error.userInfo[NSDebugDescriptionErrorKey] as? String,
        let range = message.range(of: "character [0-9]+", options: .regularExpression)
      {
        offset = Int(message[range].dropFirst("character ".count))
      }
      guard let offset else { return nil }
      return data.prefix(offset).reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }
  }
}
