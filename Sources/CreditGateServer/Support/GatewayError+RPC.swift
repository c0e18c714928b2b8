import CreditGateCore
import GRPCCore

extension RPCError {
  init(_ error: GatewayError, metadata: Metadata) {
    self.init(code: RPCError.Code(error.code), message: error.message, metadata: metadata)
  }
}

extension RPCError.Code {
  init(_ code: GatewayError.Code) {
    switch code {
    case .invalidArgument: self = .invalidArgument
    case .unauthenticated: self = .unauthenticated
    case .permissionDenied: self = .permissionDenied
    case .notFound: self = .notFound
    case .resourceExhausted: self = .resourceExhausted
    case .failedPrecondition: self = .failedPrecondition
    case .unavailable: self = .unavailable
    default: self = .unimplemented
    }
  }
}
