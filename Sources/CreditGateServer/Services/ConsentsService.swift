import CreditGateCore
public import CreditGateProtos
import Foundation
public import GRPCCore
import SwiftProtobuf

/// `Consents`: the portal records, lists and revokes consents for the person it acts for; a
/// grantee (role `query`) registers the consents it collected itself, with the digest of the
/// signed authorization form, and sees and revokes only its own.
public struct ConsentsService: Creditgate_V1_Consents.ServiceProtocol {
  let gateway: Gateway

  /// Creates the service over the shared gateway.
  public init(gateway: Gateway) {
    self.gateway = gateway
  }

  /// `Consents.GrantConsent`: records a consent checked by `ConsentGrant.validate`, with its entry.
  public func grantConsent(
    request: ServerRequest<Creditgate_V1_GrantConsentRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_GrantConsentResponse> {
    try await gateway.handleChanging(.consents, request: request, context: context) { caller, facts in
      let message = request.message
      facts.purpose = message.purpose
      let code = try facts.subject(message.subjectCode)
      let grant = ConsentGrant(
        subject: code, granteeID: message.granteeInstitutionID, purpose: message.purpose,
        categories: message.categories, validUntil: message.hasValidUntil ? message.validUntil.date : nil,
        maxUses: Int(message.maxUses), evidenceDigest: message.evidenceDigest)
      let consent = try grant.validate(
        by: caller.institution, institutions: gateway.authenticator.institution, lists: gateway.lists,
        now: gateway.clock(), maximumDays: gateway.consentMaximumDays, id: Consent.newID())
      guard try await gateway.store.subject(code: code.value) != nil else {
        throw GatewayError(.notFound, field: "subject_code", "no subject with this code is registered")
      }
      facts.consentID = consent.id
      facts.categoriesDisclosed = consent.categories
      return .change(.insertConsent(consent)) { _ in .with { $0.consentID = consent.id } }
    }
  }

  /// `Consents.RevokeConsent`: revokes a consent the caller may see; it holds from the next query.
  public func revokeConsent(
    request: ServerRequest<Creditgate_V1_RevokeConsentRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_RevokeConsentResponse> {
    try await gateway.handleChanging(.consents, request: request, context: context) { caller, facts in
      let id = request.message.consentID
      facts.consentID = id
      guard !id.isEmpty else { throw GatewayError.invalid("consent_id", "is required") }
      let consent = try Consent.revocable(try await gateway.store.consent(id: id), by: caller.institution)
      facts.subjectCode = consent.subjectCode
      facts.purpose = consent.purpose
      return .change(.revokeConsent(id: id, at: gateway.clock())) { _ in Creditgate_V1_RevokeConsentResponse() }
    }
  }

  /// `Consents.ListConsents`: a subject's consents that the caller may see, newest first.
  public func listConsents(
    request: ServerRequest<Creditgate_V1_ListConsentsRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_ListConsentsResponse> {
    try await gateway.handle(.consents, request: request, context: context) { caller, facts in
      let code = try facts.subject(request.message.subjectCode)
      let now = gateway.clock()
      let consents = try await gateway.store.consents(subjectCode: code.value).filter {
        $0.isVisible(to: caller.institution)
      }
      facts.recordsDisclosed = consents.count
      return .with { $0.consents = consents.map { Creditgate_V1_Consent($0, now: now) } }
    }
  }
}

extension Creditgate_V1_GrantConsentResponse: QueryIdentified {}
extension Creditgate_V1_RevokeConsentResponse: QueryIdentified {}
extension Creditgate_V1_ListConsentsResponse: QueryIdentified {}

extension Creditgate_V1_Consent {
  init(_ consent: Consent, now: Date) {
    self.init()
    consentID = consent.id
    subjectCode = consent.subjectCode
    granteeInstitutionID = consent.granteeID
    purpose = consent.purpose
    categories = consent.categories
    validFrom = Google_Protobuf_Timestamp(date: consent.validFrom)
    validUntil = Google_Protobuf_Timestamp(date: consent.validUntil)
    maxUses = UInt32(clamping: consent.maxUses)
    uses = UInt32(clamping: consent.uses)
    evidenceDigest = consent.evidenceDigest
    switch consent.status(at: now) {
    case .active: status = .active
    case .revoked: status = .revoked
    case .expired: status = .expired
    case .exhausted: status = .exhausted
    }
  }
}
