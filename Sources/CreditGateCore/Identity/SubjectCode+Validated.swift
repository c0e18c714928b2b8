extension SubjectCode {
  /// Parses a request's subject code, naming the field in the error: an empty one is
  /// required, any other that does not parse says why.
  public static func validated(_ text: String, field: String = "subject_code") throws(GatewayError) -> SubjectCode {
    guard !text.isEmpty else { throw .invalid(field, "is required") }
    do {
      return try SubjectCode(parsing: text)
    } catch {
      throw error.gatewayError(field: field)
    }
  }
}
