/// Objections and repair applications (DESIGN §9). Filing and deciding are state changes
/// (`StateChange.fileCase`, `.decideCase`): they commit with their audit entries.
public protocol CaseStore: Sendable {
  /// Every case, or those with `status`, in filing order.
  func cases(status: CaseStatus?) async throws -> [CreditCase]
  /// The cases of one subject, in filing order.
  func cases(subjectCode: String) async throws -> [CreditCase]
  func creditCase(id: String) async throws -> CreditCase?
}

/// Suspensions of institutions and operators, with their history. Suspending and lifting are
/// state changes (`StateChange.suspend`, `.liftSuspension`).
public protocol SuspensionStore: Sendable {
  /// Every suspension ever made, lifted or not, in the order made.
  func suspensions() async throws -> [Suspension]
}
