import CreditGateCore

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
