import CreditGateCore
import Foundation
import SwiftProtobuf
public import CreditGateProtos
public import GRPCCore

/// `SubjectRights`: the portal's view for a person (a later issue); audited meanwhile.
public struct SubjectRightsService: Creditgate_V1_SubjectRights.ServiceProtocol {
  let gateway: Gateway

  /// Creates the service over the gateway the services share.
  public init(gateway: Gateway) {
    self.gateway = gateway
  }

  /// `SubjectRights.GetOwnReport`: not implemented yet; refused `UNIMPLEMENTED`, audited.
  public func getOwnReport(
    request: ServerRequest<Creditgate_V1_GetOwnReportRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_GetOwnReportResponse> {
    try await gateway.notImplemented(.subjectRights, request, context)
  }

  /// Who queried this person: every `CreditQuery` call about them — institution, time,
  /// purpose, outcome — each with its inclusion proof against the latest signed checkpoint.
  public func listAccessLog(
    request: ServerRequest<Creditgate_V1_ListAccessLogRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_ListAccessLogResponse> {
    try await gateway.handle(.subjectRights, request: request, context: context) { _, facts in
      let code = try facts.subject(request.message.subjectCode)
      let size = gateway.auditWriter.checkpoint?.checkpoint.size ?? gateway.auditWriter.withTree(\.size)
      // This gateway's log only: the proofs come from its tree.
      let entries = try await gateway.auditEntries(
        matching: AuditFilter(origin: gateway.auditOrigin, subjectPseudonym: gateway.pseudonymizer.pseudonym(code.value))
      ).filter { $0.method.hasPrefix(AnomalyDetector.queryService) && $0.sequence <= size }
      facts.recordsDisclosed = entries.count
      let proofs = try gateway.auditWriter.withTree { tree in
        try entries.map { try tree.inclusionProof(leafIndex: $0.sequence - 1, treeSize: size) }
      }
      return .with {
        $0.entries = zip(entries, proofs).map { entry, proof in
          .with {
            $0.sequence = entry.sequence
            $0.time = Google_Protobuf_Timestamp(date: entry.time)
            $0.institutionID = entry.institutionID
            $0.purpose = entry.purpose
            $0.outcome = entry.outcome.rawValue
            $0.inclusionProof = proof.map { $0.map { String(format: "%02x", $0) }.joined() }
            $0.treeSize = size
          }
        }
      }
    }
  }

  /// `SubjectRights.FileObjection`: not implemented yet; refused `UNIMPLEMENTED`, audited.
  public func fileObjection(
    request: ServerRequest<Creditgate_V1_FileObjectionRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_FileObjectionResponse> {
    try await gateway.notImplemented(.subjectRights, request, context)
  }

  /// `SubjectRights.ApplyForRepair`: not implemented yet; refused `UNIMPLEMENTED`, audited.
  public func applyForRepair(
    request: ServerRequest<Creditgate_V1_ApplyForRepairRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_ApplyForRepairResponse> {
    try await gateway.notImplemented(.subjectRights, request, context)
  }

  /// `SubjectRights.FileComplaint`: not implemented yet; refused `UNIMPLEMENTED`, audited.
  public func fileComplaint(
    request: ServerRequest<Creditgate_V1_FileComplaintRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_FileComplaintResponse> {
    try await gateway.notImplemented(.subjectRights, request, context)
  }

  /// `SubjectRights.ListDisclosures`: not implemented yet; refused `UNIMPLEMENTED`, audited.
  public func listDisclosures(
    request: ServerRequest<Creditgate_V1_ListDisclosuresRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_ListDisclosuresResponse> {
    try await gateway.notImplemented(.subjectRights, request, context)
  }
}

extension Creditgate_V1_ListAccessLogResponse: QueryIdentified {}
