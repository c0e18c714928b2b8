import CreditGateCore
import CreditGateProtos

/// What a handler learns while it works and the audit entry records.
struct AuditFacts: Sendable {
  var purpose = ""
  var consentID = ""
  /// The subject code as sent; only its pseudonym reaches the log.
  var subjectCode = ""
  var categoriesDisclosed: [String] = []
  var recordsDisclosed = 0
  var reason = ""
  /// Sent to the caller in `x-warning` trailers, e.g. an early organisation code accepted.
  var warnings: [String] = []

  /// Validates the request's subject code and records it: as sent, so that an invalid code is
  /// audited too, then normalised; its warnings go back to the caller.
  mutating func subject(_ text: String, field: String = "subject_code") throws(GatewayError) -> SubjectCode {
    subjectCode = text
    let code = try SubjectCode.validated(text, field: field)
    subjectCode = code.value
    warnings += code.warnings
    return code
  }
}

/// A request that names the subject it is about: its audit entry carries the subject's
/// pseudonym even when the call is refused before its handler reads the request (no operator,
/// a role that does not open the method), so that the person's access log shows every call
/// about them (DESIGN §8).
protocol SubjectNaming {
  var subjectCode: String { get }
}

extension AuditFacts {
  /// The subject `message` names, if it names one: normalised when it is a valid code, as sent
  /// otherwise (as `subject(_:field:)` records it).
  static func namedSubject(_ message: some Any) -> String {
    guard let named = message as? any SubjectNaming, !named.subjectCode.isEmpty else { return "" }
    return (try? SubjectCode(parsing: named.subjectCode))?.value ?? named.subjectCode
  }
}

extension Creditgate_V1_VerifyIdentityRequest: SubjectNaming {}
extension Creditgate_V1_GetProfileRequest: SubjectNaming {}
extension Creditgate_V1_CheckMeasuresRequest: SubjectNaming {}
extension Creditgate_V1_GrantConsentRequest: SubjectNaming {}
extension Creditgate_V1_ListConsentsRequest: SubjectNaming {}
extension Creditgate_V1_GetOwnReportRequest: SubjectNaming {}
extension Creditgate_V1_ListAccessLogRequest: SubjectNaming {}
extension Creditgate_V1_FileObjectionRequest: SubjectNaming {}
extension Creditgate_V1_ApplyForRepairRequest: SubjectNaming {}
extension Creditgate_V1_SearchAuditLogRequest: SubjectNaming {}
