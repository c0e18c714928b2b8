/// An error the gateway reports to a caller: a status-like code, the request field it concerns,
/// and a reason a person can act on. Reasons never contain subject codes or names.
public struct GatewayError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The kind of failure, named as the gRPC status the server answers it with (the server maps
  /// each case to its status, exhaustively).
  public enum Code: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case invalidArgument = "INVALID_ARGUMENT"
    case unauthenticated = "UNAUTHENTICATED"
    case permissionDenied = "PERMISSION_DENIED"
    case notFound = "NOT_FOUND"
    case resourceExhausted = "RESOURCE_EXHAUSTED"
    case failedPrecondition = "FAILED_PRECONDITION"
    case unavailable = "UNAVAILABLE"
    case unimplemented = "UNIMPLEMENTED"
    /// A fault of the gateway itself (a bug), never of the request or the storage.
    case internalError = "INTERNAL"

    public var description: String { rawValue }
  }

  public var code: Code
  /// The request field the error concerns (protobuf name, e.g. `subject_code`), if any.
  public var field: String?
  public var reason: String

  /// Creates an error with `code`, the request `field` it concerns (if any) and the `reason`.
  public init(_ code: Code, field: String? = nil, _ reason: String) {
    self.code = code
    self.field = field
    self.reason = reason
  }

  /// `field: reason`, or just the reason.
  public var message: String {
    if let field { return "\(field): \(reason)" }
    return reason
  }

  public var description: String { "\(code): \(message)" }

  /// `INVALID_ARGUMENT` on `field`: the request itself is wrong.
  public static func invalid(_ field: String, _ reason: String) -> Self {
    Self(.invalidArgument, field: field, reason)
  }

  /// `PERMISSION_DENIED`: the caller may not do this; `field` names the request field to blame,
  /// if any.
  public static func denied(_ reason: String, field: String? = nil) -> Self {
    Self(.permissionDenied, field: field, reason)
  }
}
