import Foundation

/// A provider's record as it arrives, before validation. Dates are the API's strings.
public struct RecordSubmission: Sendable, Hashable {
  public var providerRecordID: String
  public var subjectCode: String
  public var category: String
  public var severity: Severity?
  public var title: String
  public var documentNumber: String
  public var actDate: String
  public var decidedOn: String
  public var actEndedOn: String
  public var disclosureUntil: String

/// Creates a submission as a provider sent it; nothing is checked until `validate`.
  public init(
    providerRecordID: String, subjectCode: String, category: String, severity: Severity?,
    title: String, documentNumber: String, actDate: String, decidedOn: String,
    actEndedOn: String = "", disclosureUntil: String = ""
  ) {
    self.providerRecordID = providerRecordID
    self.subjectCode = subjectCode
    self.category = category
    self.severity = severity
    self.title = title
    self.documentNumber = documentNumber
    self.actDate = actDate
    self.decidedOn = decidedOn
    self.actEndedOn = actEndedOn
    self.disclosureUntil = disclosureUntil
  }

  /// Checks one submission against the catalogue and the provider's categories; returns the
  /// content to store. Errors name the field; the first problem found is reported.
  public func validate(
    provider: Institution, lists: PublishedLists, subjectKind: SubjectKind?, today: LocalDate
  ) throws(GatewayError) -> RecordContent {
    guard !providerRecordID.isEmpty else { throw .invalid("provider_record_id", "is required") }
    guard providerRecordID.count <= 128 else {
      throw .invalid("provider_record_id", "must be at most 128 characters")
    }
    let code: SubjectCode
    do { code = try SubjectCode(parsing: subjectCode) } catch {
      throw error.gatewayError()
    }
    guard let kind = subjectKind else {
      throw .invalid("subject_code", "subject is not registered")
    }
    guard !category.isEmpty else { throw .invalid("category", "is required") }
    guard let category = lists.category(category) else {
      throw .invalid("category", "\"\(self.category)\" is not in the catalogue")
    }
    guard provider.categories.contains(category.code) else {
      throw .denied("provider may not submit category \"\(category.code)\"", field: "category")
    }
    guard category.subjectKinds.contains(kind) else {
      throw .invalid("category", "\"\(category.code)\" does not apply to a \(kind.rawValue)")
    }
    switch (category.polarity, severity) {
    case (.trustBreaking, nil):
      throw .invalid("severity", "is required for a trust-breaking category")
    case (.trustKeeping, .some), (.neutral, .some):
      throw .invalid("severity", "applies only to trust-breaking categories")
    default: break
    }
    guard !title.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw .invalid("title", "is required")
    }
    let act = try Self.date(actDate, field: "act_date", today: today)
    let decided = try Self.date(decidedOn, field: "decided_on", today: today)
    let ended = try Self.optionalDate(actEndedOn, field: "act_ended_on", today: today)
    guard act <= decided else { throw .invalid("decided_on", "is before act_date") }
    if let ended, ended < act { throw .invalid("act_ended_on", "is before act_date") }

    guard let bound = category.disclosureBound(for: severity) else {
      throw .invalid(
        "severity",
        "\(severity?.rawValue ?? "unspecified") records of \"\(category.code)\" are not disclosed")
    }
    let earliest = decided.adding(days: bound.minDays)
    let latest = decided.adding(days: bound.maxDays)
    var until = latest
    if let requested = try Self.optionalDate(disclosureUntil, field: "disclosure_until", today: nil) {
      guard requested >= earliest, requested <= latest else {
        throw .invalid(
          "disclosure_until",
          "must be between \(earliest) and \(latest) for \(severity?.rawValue ?? "these") records of \"\(category.code)\"")
      }
      until = requested
    }
    return RecordContent(
      providerID: provider.id, providerRecordID: providerRecordID, subjectCode: code.value,
      category: category.code, severity: severity, title: title, documentNumber: documentNumber,
      actDate: act, decidedOn: decided, actEndedOn: ended, disclosureUntil: until)
  }

  /// The earliest date an act, a decision or its end may carry: no record of the gateway's
  /// lists goes back further.
  public static let earliestDate = LocalDate(dayNumber: -7670)  // 1949-01-01

  /// A required date of the past: from `earliestDate` through `today`.
  private static func date(_ text: String, field: String, today: LocalDate) throws(GatewayError) -> LocalDate {
    guard let date = try optionalDate(text, field: field, today: today) else {
      throw .invalid(field, "is required")
    }
    return date
  }

  /// A date, or nil if empty; from `earliestDate`, and through `today` when one is given
  /// (acts, decisions and their ends are facts of the past). `disclosure_until` has no such
  /// bound of its own: the category's bounds from `decided_on` keep it within a few years.
  private static func optionalDate(
    _ text: String, field: String, today: LocalDate?
  ) throws(GatewayError) -> LocalDate? {
    if text.isEmpty { return nil }
    guard let date = LocalDate(iso: text) else {
      throw .invalid(field, "must be a real date written YYYY-MM-DD")
    }
    guard date >= earliestDate else { throw .invalid(field, "must not be before \(earliestDate)") }
    if let today, date > today { throw .invalid(field, "is in the future") }
    return date
  }
}
