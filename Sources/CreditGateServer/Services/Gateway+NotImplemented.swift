import CreditGateCore
import GRPCCore
import SwiftProtobuf

extension Gateway {
  /// A method a later issue implements: authenticated, role-checked and audited like any
  /// other, then answered `UNIMPLEMENTED`.
  func notImplemented<Input: SwiftProtobuf.Message, Output: SwiftProtobuf.Message>(
    _ service: GatewayService, _ request: ServerRequest<Input>, _ context: ServerContext
  ) async throws -> ServerResponse<Output> {
    try await handle(service, request: request, context: context) { _, _ -> Output in
      throw GatewayError.notYetImplemented
    }
  }
}

extension GatewayError {
  static let notYetImplemented = GatewayError(.unimplemented, "this method is not implemented yet")
}
