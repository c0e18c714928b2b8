public import CreditGateCore
public import GRPCCore

/// A domain refusal is answered with its gRPC status and its message (`field: reason`).
extension GatewayError: RPCErrorConvertible {
  public var rpcErrorCode: RPCError.Code { RPCError.Code(code) }
  public var rpcErrorMessage: String { message }
}

extension RPCError.Code {
  /// The status each domain code is answered with.
  init(_ code: GatewayError.Code) {
    switch code {
    case .invalidArgument: self = .invalidArgument
    case .unauthenticated: self = .unauthenticated
    case .permissionDenied: self = .permissionDenied
    case .notFound: self = .notFound
    case .resourceExhausted: self = .resourceExhausted
    case .failedPrecondition: self = .failedPrecondition
    case .unavailable: self = .unavailable
    case .unimplemented: self = .unimplemented
    case .internalError: self = .internalError
    }
  }
}

extension RPCError {
  /// The error a refused call ends with: `error`'s status and message, and the trailers that
  /// carry its query id.
  init(_ error: GatewayError, trailers: Metadata) {
    self.init(error)
    metadata = trailers
  }
}
