import CreditGateCore
import GRPCCore

extension AuditEntry {
  /// Turns the entry into the record of a refusal: the outcome, status and reason of `error`,
  /// and nothing disclosed.
  mutating func refuse(_ error: GatewayError) {
    outcome = Gateway.outcome(of: error.code)
    statusCode = RPCError.Code(error.code).rawValue
    reason = error.message
    categoriesDisclosed = []
    recordsDisclosed = 0
    responseDigest = ""
  }
}
