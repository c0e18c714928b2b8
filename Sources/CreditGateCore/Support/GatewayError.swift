/// An error the gateway reports to a caller: a status-like code, the request field it concerns,
/// and a reason a person can act on. Reasons never contain subject codes or names.
public struct GatewayError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The kind of failure; the server maps each to one gRPC status code.
  public struct Code: Sendable, Hashable, CustomStringConvertible {
    enum Wrapped: String, Sendable, Hashable {
      case invalidArgument = "INVALID_ARGUMENT"
      case unauthenticated = "UNAUTHENTICATED"
      case permissionDenied = "PERMISSION_DENIED"
      case notFound = "NOT_FOUND"
      case resourceExhausted = "RESOURCE_EXHAUSTED"
      case failedPrecondition = "FAILED_PRECONDITION"
      case unavailable = "UNAVAILABLE"
      case unimplemented = "UNIMPLEMENTED"
    }
    let wrapped: Wrapped
    public static let invalidArgument = Self(wrapped: .invalidArgument)
    public static let unauthenticated = Self(wrapped: .unauthenticated)
    public static let permissionDenied = Self(wrapped: .permissionDenied)
    public static let notFound = Self(wrapped: .notFound)
    public static let resourceExhausted = Self(wrapped: .resourceExhausted)
    public static let failedPrecondition = Self(wrapped: .failedPrecondition)
    public static let unavailable = Self(wrapped: .unavailable)
    public static let unimplemented = Self(wrapped: .unimplemented)
    public var description: String { wrapped.rawValue }
  }

  public var code: Code
  /// The request field the error concerns (protobuf name, e.g. `subject_code`), if any.
  public var field: String?
  public var reason: String

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

  public static func invalid(_ field: String, _ reason: String) -> Self {
    Self(.invalidArgument, field: field, reason)
  }

  public static func denied(_ reason: String, field: String? = nil) -> Self {
    Self(.permissionDenied, field: field, reason)
  }
}
