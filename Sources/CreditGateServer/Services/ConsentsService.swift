import CreditGateCore
public import CreditGateProtos
public import GRPCCore

/// `Consents`: granting, revoking and listing consents (a later issue); audited meanwhile.
public struct ConsentsService: Creditgate_V1_Consents.ServiceProtocol {
  let gateway: Gateway

  public init(gateway: Gateway) {
    self.gateway = gateway
  }

  public func grantConsent(
    request: ServerRequest<Creditgate_V1_GrantConsentRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_GrantConsentResponse> {
    try await gateway.notImplemented(.consents, request, context)
  }

  public func revokeConsent(
    request: ServerRequest<Creditgate_V1_RevokeConsentRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_RevokeConsentResponse> {
    try await gateway.notImplemented(.consents, request, context)
  }

  public func listConsents(
    request: ServerRequest<Creditgate_V1_ListConsentsRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_ListConsentsResponse> {
    try await gateway.notImplemented(.consents, request, context)
  }
}
