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

  public init(gateway: Gateway) {
    self.gateway = gateway
  }

  public func grantConsent(
    request: ServerRequest<Creditgate_V1_GrantConsentRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_GrantConsentResponse> {
    try await gateway.handleChanging(.consents, request: request, context: context) { caller, facts in
      let message = request.message
      facts.purpose = message.purpose
      let code = try facts.subject(message.subjectCode)
      let viaPortal = caller.institution.roles.contains(.portal)

      let granteeID = message.granteeInstitutionID.isEmpty && !viaPortal
        ? caller.institution.id : message.granteeInstitutionID
      guard !granteeID.isEmpty else { throw GatewayError.invalid("grantee_institution_id", "is required") }
      if !viaPortal, granteeID != caller.institution.id {
        throw GatewayError.denied(
          "an institution may register consents only to itself", field: "grantee_institution_id")
      }
      guard let grantee = gateway.authenticator.institution(granteeID), grantee.roles.contains(.query) else {
        throw GatewayError.invalid("grantee_institution_id", "\"\(granteeID)\" is not an institution that queries")
      }
      guard !message.purpose.isEmpty else { throw GatewayError.invalid("purpose", "is required") }
      guard let purpose = gateway.lists.purpose(message.purpose) else {
        throw GatewayError.invalid("purpose", "\"\(message.purpose)\" is not on the published application list")
      }
      guard purpose.kind == .consent else {
        throw GatewayError.invalid("purpose", "\"\(purpose.code)\" is statutory and needs no consent")
      }
      guard grantee.purposes.contains(purpose.code) else {
        throw GatewayError.invalid(
          "purpose", "\"\(granteeID)\" may not query for \"\(purpose.code)\", so a consent to it would be void")
      }
      for category in message.categories where !purpose.categories.contains(category) {
        throw GatewayError.invalid(
          "categories", "\"\(category)\" is not on the application list for purpose \(purpose.code)")
      }
      let now = gateway.clock()
      guard message.hasValidUntil else {
        throw GatewayError.invalid("valid_until", "is required: there is no lifetime consent")
      }
      let until = message.validUntil.date
      guard until > now else { throw GatewayError.invalid("valid_until", "is in the past") }
      let latest = now.addingTimeInterval(Double(gateway.consentMaximumDays) * 86_400)
      guard until <= latest else {
        throw GatewayError.invalid(
          "valid_until", "is more than \(gateway.consentMaximumDays) days away; a consent may run at most that long")
      }
      let digest = message.evidenceDigest.lowercased()
      if !viaPortal || !digest.isEmpty {
        guard digest.count == 64, digest.allSatisfy(\.isHexDigit) else {
          throw GatewayError.invalid(
            "evidence_digest",
            viaPortal ? "must be the hex SHA-256 of the signed authorization form"
              : "is required: the hex SHA-256 of the signed authorization form")
        }
      }
      guard try await gateway.store.subject(code: code.value) != nil else {
        throw GatewayError(.notFound, field: "subject_code", "no subject with this code is registered")
      }
      let consent = Consent(
        id: Consent.newID(), subjectCode: code.value, granteeID: granteeID, purpose: purpose.code,
        categories: message.categories.isEmpty ? purpose.categories : message.categories,
        validFrom: now, validUntil: until, maxUses: Int(message.maxUses), evidenceDigest: digest,
        recordedBy: caller.institution.id)
      facts.consentID = consent.id
      facts.categoriesDisclosed = consent.categories
      return .change(.insertConsent(consent)) { _ in .with { $0.consentID = consent.id } }
    }
  }

  public func revokeConsent(
    request: ServerRequest<Creditgate_V1_RevokeConsentRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_RevokeConsentResponse> {
    try await gateway.handleChanging(.consents, request: request, context: context) { caller, facts in
      let id = request.message.consentID
      facts.consentID = id
      guard !id.isEmpty else { throw GatewayError.invalid("consent_id", "is required") }
      guard let consent = try await gateway.store.consent(id: id), visible(consent, to: caller) else {
        throw GatewayError(.notFound, field: "consent_id", "no such consent")
      }
      facts.subjectCode = consent.subjectCode
      facts.purpose = consent.purpose
      return .change(.revokeConsent(id: id, at: gateway.clock())) { _ in Creditgate_V1_RevokeConsentResponse() }
    }
  }

  public func listConsents(
    request: ServerRequest<Creditgate_V1_ListConsentsRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_ListConsentsResponse> {
    try await gateway.handle(.consents, request: request, context: context) { caller, facts in
      let code = try facts.subject(request.message.subjectCode)
      let now = gateway.clock()
      let consents = try await gateway.store.consents(subjectCode: code.value).filter {
        visible($0, to: caller)
      }
      facts.recordsDisclosed = consents.count
      return .with { $0.consents = consents.map { Creditgate_V1_Consent($0, now: now) } }
    }
  }

  /// The portal sees every consent; a grantee only those given to it. Others do not exist.
  private func visible(_ consent: Consent, to caller: Caller) -> Bool {
    caller.institution.roles.contains(.portal) || consent.granteeID == caller.institution.id
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
