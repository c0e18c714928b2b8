import CreditGateCore
public import CreditGateProtos
import Foundation
public import GRPCCore

/// `CreditRecords`: data providers register subjects and push records. Each item is checked on
/// its own and answered with its own result; the accepted items are stored in one transaction.
public struct CreditRecordsService: Creditgate_V1_CreditRecords.ServiceProtocol {
  let gateway: Gateway
  /// The most items one call may carry.
  static let maximumBatch = 1000

  /// Creates the service over the shared gateway.
  public init(gateway: Gateway) {
    self.gateway = gateway
  }

  /// `CreditRecords.RegisterSubjects`: registers the items `SubjectRegistration` accepts, each answered.
  public func registerSubjects(
    request: ServerRequest<Creditgate_V1_RegisterSubjectsRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_RegisterSubjectsResponse> {
    try await gateway.handleChanging(.creditRecords, request: request, context: context) {
      caller, facts in
      let items = request.message.subjects
      try Self.checkBatch(items.count, field: "subjects")
      let registration = SubjectRegistration(items.map { .init(subjectCode: $0.subjectCode, name: $0.name) })
      let checked = registration.validate(provider: caller.institution)
      let accepted = checked.compactMap { try? $0.outcome.get() }
      let results = checked.map { item in
        Creditgate_V1_SubjectResult.with {
          $0.subjectCode = item.subjectCode
          $0.warnings = item.warnings
          switch item.outcome {
          case .success: $0.accepted = true
          case .failure(let error): $0.error = error.message
          }
        }
      }
      facts.recordsDisclosed = 0
      facts.reason = "registered \(accepted.count) of \(items.count)"
      let response = Creditgate_V1_RegisterSubjectsResponse.with { $0.results = results }
      guard !accepted.isEmpty else { return .answer(response) }
      return .change(.registerSubjects(accepted)) { _ in response }
    }
  }

  /// `CreditRecords.SubmitRecords`: stores the records `RecordSubmission.validate` accepts, each answered.
  public func submitRecords(
    request: ServerRequest<Creditgate_V1_SubmitRecordsRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_SubmitRecordsResponse> {
    try await gateway.handleChanging(.creditRecords, request: request, context: context) {
      caller, facts in
      let items = request.message.records
      try Self.checkBatch(items.count, field: "records")
      // Parsed once here for the registry lookup and the warnings; `validate` reports errors.
      let parsed = items.map { try? SubjectCode(parsing: $0.subjectCode) }
      let kinds = try await gateway.store.subjectKinds(codes: parsed.compactMap { $0?.value })
      let today = gateway.today
      var results: [Creditgate_V1_RecordResult] = []
      var accepted: [(index: Int, content: RecordContent)] = []
      var seen: Set<String> = []
      for (index, item) in items.enumerated() {
        var result = Creditgate_V1_RecordResult()
        result.providerRecordID = item.providerRecordID
        do throws(GatewayError) {
          let submission = RecordSubmission(
            providerRecordID: item.providerRecordID, subjectCode: item.subjectCode,
            category: item.category, severity: try item.severity.domain(field: "severity"),
            title: item.title, documentNumber: item.documentNumber, actDate: item.actDate,
            decidedOn: item.decidedOn, actEndedOn: item.actEndedOn,
            disclosureUntil: item.disclosureUntil)
          result.warnings = parsed[index]?.warnings ?? []
          let kind = parsed[index].flatMap { kinds[$0.value] }
          let content = try submission.validate(
            provider: caller.institution, lists: gateway.lists, subjectKind: kind, today: today)
          guard seen.insert(content.providerRecordID).inserted else {
            throw GatewayError.invalid("provider_record_id", "appears twice in this request")
          }
          accepted.append((results.count, content))
        } catch {
          result.error = "records[\(index)].\(error.message)"
        }
        results.append(result)
      }
      facts.categoriesDisclosed = Array(Set(accepted.map(\.content.category))).sorted()
      facts.reason = "accepted \(accepted.count) of \(items.count)"
      guard !accepted.isEmpty else { return .answer(.with { $0.results = results }) }
      let unanswered = results
      let indices = accepted.map(\.index)
      return .change(.submitRecords(accepted.map(\.content))) { stored in
        var results = unanswered
        if case .records(let records) = stored {
          for (index, record) in zip(indices, records) {
            results[index].accepted = true
            results[index].recordID = record.id
            results[index].version = UInt64(clamping: record.version)
          }
        }
        return .with { $0.results = results }
      }
    }
  }

  /// `CreditRecords.RevokeRecord`: a provider withdraws one of its own records (the decision
  /// behind it was revoked), named by its own id or the gateway's; from the next call on, no
  /// query, list or evaluation sees it. Another provider's record is refused
  /// (`CaseRules.revocable`, checked again in the transaction).
  public func revokeRecord(
    request: ServerRequest<Creditgate_V1_RevokeRecordRequest>, context: ServerContext
  ) async throws -> ServerResponse<Creditgate_V1_RevokeRecordResponse> {
    try await gateway.handleChanging(.creditRecords, request: request, context: context) { caller, facts in
      let message = request.message
      let field: String
      let id: String
      switch (message.recordID.isEmpty, message.providerRecordID.isEmpty) {
      case (true, true): throw GatewayError.invalid("record_id", "or provider_record_id is required")
      case (false, false): throw GatewayError.invalid("record_id", "and provider_record_id are exclusive; name the record once")
      case (false, true):
        (field, id) = ("record_id", message.recordID)
      case (true, false):
        field = "provider_record_id"
        id = CreditRecord.recordID(provider: caller.institution.id, providerRecordID: message.providerRecordID)
      }
      _ = try CaseRules.statement(message.reason, field: "reason")
      let record = try await gateway.store.record(id: id)
      // The revocation is about the person (also when refused): it appears in their access log.
      facts.subjectCode = record?.content.subjectCode ?? ""
      let revocable = try CaseRules.revocable(record, by: caller.institution.id, field: field)
      facts.categoriesDisclosed = [revocable.content.category]
      // The provider's words stay out of the leaf, which the person's access log shows.
      facts.reason = "revoked by its provider"
      return .change(.revokeRecord(id: id, providerID: caller.institution.id)) { _ in .with { $0.recordID = id } }
    }
  }

  private static func checkBatch(_ count: Int, field: String) throws(GatewayError) {
    guard count > 0 else { throw .invalid(field, "is empty") }
    guard count <= maximumBatch else {
      throw .invalid(field, "carries \(count) items; at most \(maximumBatch) per call")
    }
  }
}
