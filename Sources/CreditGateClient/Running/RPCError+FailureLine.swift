public import GRPCCore

extension RPCError {
  /// The line a client command prints on standard error when a call fails:
  /// `error: CODE: message`, and ` (query_id N)` when the gateway audited the call.
  public var failureLine: String {
    var line = "error: \(code.statusName): \(message)"
    if let id = metadata[stringValues: "x-query-id"].first(where: { _ in true }) {
      line += " (query_id \(id))"
    }
    return line
  }
}
