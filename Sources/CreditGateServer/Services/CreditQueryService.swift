import CreditGateCore
public import CreditGateProtos
import Foundation
import Synchronization
public import GRPCCore

/// `CreditQuery`: lookups for government departments (statutory purposes) and, with the
/// subject's consent, commercial users. Every call needs `x-operator-id`.
public struct CreditQueryService: Creditgate_V1_CreditQuery.ServiceProtocol {
  let gateway: Gateway

  /// Creates the service over the gateway the services share.
  public init(gateway: Gateway) {
    self.gateway = gateway
  }

  /// `CreditQuery.VerifyIdentity`: whether the name sent is the registered subject's (`MATCH`,
  /// `MISMATCH` or `NOT_FOUND`), never the name itself; purpose and consent are checked first.
  /// Audited with the answer as reason.
  public func verifyIdentity(
    request: ServerRequest<Creditgate_V1_VerifyIdentityRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_VerifyIdentityResponse> {
    try await gateway.handle(
      .creditQuery, request: request, context: context
    ) { caller, facts in
      let message = request.message
      facts.purpose = message.purpose
      let code = try facts.subject(message.subjectCode)
      let name = message.name.trimmingCharacters(in: .whitespacesAndNewlines)
      guard !name.isEmpty else { throw GatewayError.invalid("name", "is required") }
      facts.consentID = message.consentID
      let purpose = try gateway.policy.purpose(message.purpose, for: caller.institution)
      _ = try await queryScope(
        caller: caller, purpose: purpose, requested: [], subjectCode: code.value,
        consentID: message.consentID)
      let subject = try await gateway.store.subject(code: code.value)
      let result: Creditgate_V1_IdentityResult =
        switch subject {
        case nil: .notFound
        case let subject? where subject.name == name: .match
        default: .mismatch
        }
      // The log keeps the answer (never the name), so that probing by mismatches shows.
      facts.reason = result == .match ? "MATCH" : result == .mismatch ? "MISMATCH" : "NOT_FOUND"
      return .with { $0.result = result }
    }
  }

  /// `CreditQuery.GetProfile`: the subject and its profile for one purpose — records, lists,
  /// measures and (if the purpose shows it) the evaluation within the scope, and what was
  /// withheld — audited; see `assemble`.
  public func getProfile(
    request: ServerRequest<Creditgate_V1_GetProfileRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_GetProfileResponse> {
    try await gateway.handle(
      .creditQuery, request: request, context: context
    ) { caller, facts in
      let message = request.message
      let (code, subject, profile) = try await assemble(
        caller: caller, subjectCode: message.subjectCode, purpose: message.purpose,
        consentID: message.consentID, categories: message.categories, facts: &facts)
      return .with {
        $0.subject = .init(subject, warnings: code.warnings)
        $0.records = profile.records.map {
          Creditgate_V1_CreditRecord($0, polarity: gateway.lists.category($0.content.category)?.polarity)
        }
        if let evaluation = profile.evaluation { $0.evaluation = .init(evaluation, basis: profile.evaluationBasis) }
        $0.lists = profile.memberships.map(Creditgate_V1_ListMembership.init)
        $0.measures = profile.measures.map(Creditgate_V1_AppliedMeasure.init)
        $0.covered = profile.scope.covered
        $0.withheld = profile.scope.withheld.map(Creditgate_V1_WithheldCategory.init)
      }
    }
  }

  /// `CreditQuery.CheckMeasures`: the decision and the measures of one purpose that apply to a
  /// subject, with the scope; audited with the decision as reason.
  public func checkMeasures(
    request: ServerRequest<Creditgate_V1_CheckMeasuresRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_CheckMeasuresResponse> {
    try await gateway.handle(
      .creditQuery, request: request, context: context
    ) { caller, facts in
      let message = request.message
      let profile = try await assemble(
        caller: caller, subjectCode: message.subjectCode, purpose: message.purpose,
        consentID: message.consentID, categories: [], facts: &facts
      ).profile
      facts.reason = profile.decision.rawValue
      return .with {
        $0.decision = profile.decision.rawValue
        $0.measures = profile.measures.map(Creditgate_V1_AppliedMeasure.init)
        $0.covered = profile.scope.covered
        $0.withheld = profile.scope.withheld.map(Creditgate_V1_WithheldCategory.init)
      }
    }
  }

  /// What `GetProfile` and `CheckMeasures` share: validate the code and the purpose, check the
  /// scope (and, for a consent-based purpose, the consent — before existence: without a
  /// consent, whether a person is registered is not for the asking), then assemble the profile.
  /// The audit entry records the scope and how many records the answer rests on.
  private func assemble(
    caller: Caller, subjectCode: String, purpose purposeCode: String, consentID: String,
    categories: [String], facts: inout AuditFacts
  ) async throws -> (code: SubjectCode, subject: Subject, profile: Profile) {
    facts.purpose = purposeCode
    facts.consentID = consentID
    let code = try facts.subject(subjectCode)
    let purpose = try gateway.policy.purpose(purposeCode, for: caller.institution)
    let scope = try await queryScope(
      caller: caller, purpose: purpose, requested: categories, subjectCode: code.value, consentID: consentID)
    guard let subject = try await gateway.store.subject(code: code.value) else {
      throw GatewayError(.notFound, field: "subject_code", "no subject with this code is registered")
    }
    let profile = ProfileAssembler.assemble(
      subjectKind: subject.kind, records: try await gateway.store.records(subjectCode: code.value),
      purpose: purpose, scope: scope, lists: gateway.lists,
      models: gateway.evaluationModels, today: gateway.today)
    facts.categoriesDisclosed = profile.scope.covered
    facts.recordsDisclosed = profile.records.count
    return (code, subject, profile)
  }

  /// The scope of a query (`QueryScope`). A statutory purpose needs only the access policy; a
  /// consent-based one also needs a consent valid now for this subject, grantee and purpose that
  /// covers the categories returned — checked and counted as one use, atomically. The consent is
  /// read once, in that transaction, and narrows the scope there when the caller asked for no
  /// categories.
  private func queryScope(
    caller: Caller, purpose: Purpose, requested: [String], subjectCode: String, consentID: String
  ) async throws -> QueryScope {
    let asked = try QueryScope(
      requested: requested, purpose: purpose, institution: caller.institution, lists: gateway.lists)
    guard purpose.kind == .consent else { return asked }
    guard !consentID.isEmpty else {
      throw ConsentRules.Refusal(
        code: .noConsent, detail: "purpose \(purpose.code) needs the subject's consent; send consent_id"
      ).error
    }
    let grantee = caller.institution.id
    let used = Mutex(asked)
    // The time is read inside the transaction that counts the use, so that a revocation
    // committed meanwhile is seen.
    if let refusal = try await gateway.store.useConsent(id: consentID, now: gateway.clock, check: { consent, now in
      let scope = requested.isEmpty ? asked.narrowed(toConsent: consent?.categories ?? []) : asked
      used.withLock { $0 = scope }
      return ConsentRules.check(
        consent, subjectCode: subjectCode, grantee: grantee, purpose: purpose.code,
        categories: scope.covered, now: now)
    }) {
      throw refusal.error
    }
    return used.withLock { $0 }
  }
}
