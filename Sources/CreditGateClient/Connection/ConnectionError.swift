/// Why a `GatewayConnection` could not be made from the command-line flags: the address is
/// not `HOST:PORT`, or the institution has no client certificate. The description says what
/// to do.
public struct ConnectionError: Error, CustomStringConvertible {
  /// What went wrong and what to do, as the command prints it.
  public let description: String

  init(_ description: String) { self.description = description }
}
