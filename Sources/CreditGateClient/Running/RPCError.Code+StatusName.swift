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
