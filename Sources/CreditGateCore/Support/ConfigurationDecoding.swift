public import Foundation

/// Turns a `DecodingError` into one line that names the position and the problem.
public enum ConfigurationDecoding {
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
      // JSONSerialization's underlying error carries the byte offset; turn it into a line.
      if let underlying = context.underlyingError as NSError?,
        let index = underlying.userInfo["NSJSONSerializationErrorIndex"] as? Int
      {
        let line = data.prefix(index).reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
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
}
