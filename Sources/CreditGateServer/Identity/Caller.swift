public import CreditGateCore

/// The authenticated institution behind a call, derived from its client certificate.
public struct Caller: Sendable {
  public var institution: Institution
  /// SHA-256 of the certificate's DER encoding, lowercase hex.
  public var certificateFingerprint: String
}
