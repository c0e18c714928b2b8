public import GRPCCore

extension RPCError.Code {
  /// The canonical status name, e.g. `PERMISSION_DENIED`, as the client prints and counts it.
  public var statusName: String {
    String(describing: self).reduce(into: "") { name, character in
      if character.isUppercase { name += "_" }
      name += character.uppercased()
    }
  }
}

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
