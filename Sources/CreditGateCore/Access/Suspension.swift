public import Foundation
import Synchronization

/// A suspension of an institution, or of one of its operators, for misusing access
/// (违规经营黑名单): from the next call on, every call it makes is refused `PERMISSION_DENIED`
/// naming the suspension, until the suspension ends or is lifted.
public struct Suspension: Sendable, Hashable {
  public var id: String
  public var institutionID: String
  /// The operator (`x-operator-id`) suspended; nil suspends the whole institution.
  public var operatorID: String?
  public var reason: String
  public var since: Date
  /// When it ends by itself; nil: until lifted.
  public var until: Date?
  /// The credit office that suspended it.
  public var suspendedBy: String
  /// The anomaly it was made from, if any, and the entries behind that anomaly.
  public var anomalyRule: String?
  public var anomalyDescription: String
  public var anomalySequences: [UInt64]
  public var liftedAt: Date?
  public var liftedBy: String
  public var liftReason: String

  /// Creates a suspension as a store holds it.
  public init(
    id: String, institutionID: String, operatorID: String? = nil, reason: String, since: Date, until: Date? = nil,
    suspendedBy: String, anomalyRule: String? = nil, anomalyDescription: String = "", anomalySequences: [UInt64] = [],
    liftedAt: Date? = nil, liftedBy: String = "", liftReason: String = ""
  ) {
    self.id = id
    self.institutionID = institutionID
    self.operatorID = operatorID
    self.reason = reason
    self.since = since.roundedToMicroseconds
    self.until = until?.roundedToMicroseconds
    self.suspendedBy = suspendedBy
    self.anomalyRule = anomalyRule
    self.anomalyDescription = anomalyDescription
    self.anomalySequences = anomalySequences
    self.liftedAt = liftedAt?.roundedToMicroseconds
    self.liftedBy = liftedBy
    self.liftReason = liftReason
  }

  /// Whether it holds at `now`: not lifted, not ended (it holds from when it was made).
  public func isActive(at now: Date) -> Bool {
    liftedAt == nil && until.map { now < $0 } ?? true
  }

  /// Whether it covers a call of `institutionID` made by `operatorID`.
  public func covers(institutionID: String, operatorID: String) -> Bool {
    institutionID == self.institutionID && (self.operatorID == nil || self.operatorID == operatorID)
  }

  /// A new suspension id: "susp-" and 16 random hex digits.
  public static func newID() -> String {
    var generator = SystemRandomNumberGenerator()
    let digits = String(UInt64.random(in: .min ... .max, using: &generator), radix: 16)
    return "susp-" + String(repeating: "0", count: 16 - digits.count) + digits
  }
}

/// The rules of suspending and lifting (DESIGN §10, `Oversight.SuspendInstitution`).
public enum SuspensionRules {
  /// The refusal of a call of `institutionID` by `operatorID` at `now`, if an active suspension
  /// covers it: the institution's own before an operator's.
  public static func refusal(
    institutionID: String, operatorID: String, suspensions: [Suspension], now: Date
  ) -> GatewayError? {
    let covering = suspensions.filter { $0.isActive(at: now) && $0.covers(institutionID: institutionID, operatorID: operatorID) }
    guard let suspension = covering.first(where: { $0.operatorID == nil }) ?? covering.first else { return nil }
    let who = suspension.operatorID == nil ? "institution \(institutionID)" : "operator \(operatorID) of \(institutionID)"
    let until = suspension.until.map { " until \($0.formatted(.iso8601))" } ?? " until lifted"
    return .denied("\(who) is suspended (\(suspension.id))\(until): \(suspension.reason)")
  }

  /// A new suspension of `institutionID` (or of one operator of it), checked: the institution
  /// is configured, the reason given, the end (if any) in the future, and the credit office
  /// does not suspend itself.
  public static func suspend(
    institutionID: String, operatorID: String?, reason: String, until: Date?, by suspendedBy: String, at now: Date,
    institutions: Set<String>, anomaly: Anomaly? = nil, id: String
  ) throws(GatewayError) -> Suspension {
    guard !institutionID.isEmpty else { throw .invalid("institution_id", "is required") }
    guard institutions.contains(institutionID) else {
      throw GatewayError(.notFound, field: "institution_id", "no institution \(institutionID) is configured")
    }
    guard institutionID != suspendedBy else {
      throw GatewayError(.failedPrecondition, field: "institution_id", "a credit office cannot suspend itself")
    }
    let reason = try CaseRules.statement(reason, field: "reason")
    if let until, until <= now { throw .invalid("until", "is not in the future") }
    return Suspension(
      id: id, institutionID: institutionID, operatorID: operatorID, reason: reason, since: now, until: until,
      suspendedBy: suspendedBy, anomalyRule: anomaly?.rule, anomalyDescription: anomaly?.description ?? "",
      anomalySequences: anomaly?.sequences ?? [])
  }

  /// The suspension lifted, if it is active (as stored).
  public static func lift(
    _ suspension: Suspension?, id: String, by liftedBy: String, reason: String, at now: Date
  ) throws(GatewayError) -> Suspension {
    guard var suspension else { throw GatewayError(.notFound, field: "suspension_id", "no suspension \(id)") }
    guard suspension.isActive(at: now) else {
      throw GatewayError(
        .failedPrecondition, field: "suspension_id",
        suspension.liftedAt == nil ? "the suspension has already ended" : "the suspension is already lifted")
    }
    suspension.liftedAt = now.roundedToMicroseconds
    suspension.liftedBy = liftedBy
    suspension.liftReason = try CaseRules.statement(reason, field: "reason")
    return suspension
  }
}

/// The suspensions a gateway enforces, held in memory so that checking one costs no storage
/// read: loaded from the store at start, then told of every suspension and lifting this gateway
/// commits, each applied by id — in whatever order two concurrent calls report them, a lifting
/// is never undone.
public final class SuspensionRegistry: Sendable {
  private struct State {
    /// By institution, then by id: a call looks up its own institution's only.
    var byInstitution: [String: [String: Suspension]] = [:]
    /// Liftings, kept even if the suspension has not been reported yet.
    var lifted: [String: (at: Date, by: String, reason: String)] = [:]
  }

  private let state = Mutex(State())

  /// An empty registry.
  public init() {}

  /// Holds `suspensions` (as stored), and no others.
  public func replace(with suspensions: [Suspension]) {
    state.withLock { state in
      state = State()
      for suspension in suspensions { state.byInstitution[suspension.institutionID, default: [:]][suspension.id] = suspension }
    }
  }

  /// A suspension committed.
  public func add(_ suspension: Suspension) {
    state.withLock { state in
      var added = suspension
      if added.liftedAt == nil, let lifting = state.lifted[added.id] {
        (added.liftedAt, added.liftedBy, added.liftReason) = lifting
      }
      state.byInstitution[added.institutionID, default: [:]][added.id] = added
    }
  }

  /// A lifting committed.
  public func lift(id: String, at: Date, by: String, reason: String) {
    state.withLock { state in
      state.lifted[id] = (at, by, reason)
      for institution in state.byInstitution.keys {
        guard var suspension = state.byInstitution[institution]?[id], suspension.liftedAt == nil else { continue }
        (suspension.liftedAt, suspension.liftedBy, suspension.liftReason) = (at.roundedToMicroseconds, by, reason)
        state.byInstitution[institution]?[id] = suspension
      }
    }
  }

  /// The refusal of a call, if a suspension covers it (`SuspensionRules.refusal`). With no
  /// suspension of the institution, one dictionary lookup.
  public func refusal(institutionID: String, operatorID: String, now: Date) -> GatewayError? {
    guard let current = state.withLock({ $0.byInstitution[institutionID] }), !current.isEmpty else { return nil }
    return SuspensionRules.refusal(
      institutionID: institutionID, operatorID: operatorID, suspensions: current.values.sorted { $0.since < $1.since },
      now: now)
  }
}
