import CreditGateCore
public import CreditGateProtos
public import GRPCCore

/// `SubjectRights`: the portal's view for a person (a later issue); audited meanwhile.
public struct SubjectRightsService: Creditgate_V1_SubjectRights.ServiceProtocol {
  let gateway: Gateway

  public init(gateway: Gateway) {
    self.gateway = gateway
  }

  public func getOwnReport(
    request: ServerRequest<Creditgate_V1_GetOwnReportRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_GetOwnReportResponse> {
    try await gateway.notImplemented(.subjectRights, request, context)
  }

  public func listAccessLog(
    request: ServerRequest<Creditgate_V1_ListAccessLogRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_ListAccessLogResponse> {
    try await gateway.notImplemented(.subjectRights, request, context)
  }

  public func fileObjection(
    request: ServerRequest<Creditgate_V1_FileObjectionRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_FileObjectionResponse> {
    try await gateway.notImplemented(.subjectRights, request, context)
  }

  public func applyForRepair(
    request: ServerRequest<Creditgate_V1_ApplyForRepairRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_ApplyForRepairResponse> {
    try await gateway.notImplemented(.subjectRights, request, context)
  }

  public func fileComplaint(
    request: ServerRequest<Creditgate_V1_FileComplaintRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_FileComplaintResponse> {
    try await gateway.notImplemented(.subjectRights, request, context)
  }

  public func listDisclosures(
    request: ServerRequest<Creditgate_V1_ListDisclosuresRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_ListDisclosuresResponse> {
    try await gateway.notImplemented(.subjectRights, request, context)
  }
}
