public import CreditGateCore
public import Foundation
public import Logging
public import CoreMetrics

/// Everything the services share: the lists, the institutions, storage, the audit writer.
public struct Gateway: Sendable {
  public let lists: PublishedLists
  public let evaluationModels: EvaluationModels
  /// China's working days, for the deadlines of cases.
  public let calendar: WorkingCalendar
  /// Which good deeds count as grounds for repairing which categories.
  public let repairGrounds: RepairGrounds
  /// The suspensions in force, replaced from the store whenever one is made or lifted.
  public let suspensions: SuspensionRegistry
  /// The public disclosure's page tokens.
  public let pageTokens: PageTokens
  public let policy: AccessPolicy
  public let authenticator: Authenticator
  /// Records, subjects, consents and the audit log: one backend, so that a call's change and
  /// its audit entry commit in one transaction.
  public let store: any GatewayStore
  public let quota: QuotaLimiter
  /// Calls in flight across the server (`max_calls_in_flight`); past it, refused at once.
  public let admission: AdmissionLimiter
  /// The longest a consent may run.
  public let consentMaximumDays: Int
  public let auditWriter: AuditWriter
  public let pseudonymizer: Pseudonymizer
  public let auditOrigin: String
  public let clock: @Sendable () -> Date
  public let logger: Logger
  /// Where the usage counters go (Prometheus in `serve`; nothing by default).
  public let metrics: any MetricsFactory

  /// Creates the gateway. `institutions` and `revokedSerials` configure its authenticator, and
  /// `admissionLimit` bounds the calls in flight; by default no metrics are kept and the clock is
  /// the system's.
  public init(
    lists: PublishedLists, evaluationModels: EvaluationModels, calendar: WorkingCalendar = .mondayToFriday,
    repairGrounds: RepairGrounds = RepairGrounds(rules: []), institutions: [Institution],
    revokedSerials: [String], store: any GatewayStore, auditWriter: AuditWriter,
    pseudonymizer: Pseudonymizer, consentMaximumDays: Int = ConsentRules.defaultMaximumDays,
    metrics: any MetricsFactory = NOOPMetricsHandler.instance,
    auditOrigin: String, clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger,
    admissionLimit: Int = AdmissionLimiter.defaultLimit
  ) {
    self.lists = lists
    self.evaluationModels = evaluationModels
    self.calendar = calendar
    self.repairGrounds = repairGrounds
    self.suspensions = SuspensionRegistry()
    self.pageTokens = PageTokens(secret: pseudonymizer.tokenSecret)
    self.policy = AccessPolicy(lists: lists)
    self.authenticator = Authenticator(institutions: institutions, revokedSerials: revokedSerials)
    self.store = store
    self.quota = QuotaLimiter()
    self.admission = AdmissionLimiter(limit: admissionLimit)
    self.consentMaximumDays = consentMaximumDays
    self.auditWriter = auditWriter
    self.pseudonymizer = pseudonymizer
    self.auditOrigin = auditOrigin
    self.clock = clock
    self.logger = logger
    self.metrics = metrics
  }

  /// Today's date in China (UTC+8): disclosure periods and birth dates run on the local calendar.
  public var today: LocalDate { LocalDate.todayInChina(now: clock()) }
}
