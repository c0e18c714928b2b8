import CreditGateCore
import Foundation
public import GRPCCore
import Synchronization

/// A server transport that hands the gateway every call to a method no service registered, so
/// that it is audited like any other call (DESIGN §8: every RPC appends one entry). `GRPCServer`'s
/// router answers such calls `UNIMPLEMENTED` itself, before any service or interceptor sees them
/// (grpc-swift-2 `RPCRouter.handle`), so the only place to catch them is between the transport
/// and the router.
///
/// Not caught: a `:path` that is not `/service/method` at all. grpc-swift-nio-transport answers it
/// `UNIMPLEMENTED` inside its stream handler (`GRPCServerStreamHandler`, on a path
/// `MethodDescriptor(path:)` cannot parse) and never hands the stream to the server.
public struct UnknownMethodAuditingTransport<Base: ServerTransport>: ServerTransport {
  public typealias Bytes = Base.Bytes

  public let base: Base
  let gateway: Gateway
  private let known = KnownMethods()

  public init(wrapping base: Base, gateway: Gateway) {
    self.base = base
    self.gateway = gateway
  }

  public func configure(context: GRPCServerContext) {
    known.set(context.methods)
    base.configure(context: context)
  }

  public func listen(
    streamHandler: @escaping @Sendable (_ stream: RPCStream<Inbound, Outbound>, _ context: ServerContext) async -> Void
  ) async throws {
    let known = self.known
    let gateway = self.gateway
    try await base.listen { stream, context in
      if known.contains(stream.descriptor) {
        await streamHandler(stream, context)
      } else {
        await gateway.refuseUnknownMethod(stream, context: context)
      }
    }
  }

  public func beginGracefulShutdown() { base.beginGracefulShutdown() }
}

private final class KnownMethods: Sendable {
  private let methods = Mutex<Set<MethodDescriptor>>([])
  func set(_ descriptors: [MethodDescriptor]) { methods.withLock { $0 = Set(descriptors) } }
  func contains(_ descriptor: MethodDescriptor) -> Bool { methods.withLock { $0.contains(descriptor) } }
}

extension Gateway {
  /// Answers a call to an unknown method: `UNIMPLEMENTED` for an authenticated caller (the
  /// authentication refusal otherwise), audited with the method path as sent, the caller's
  /// certificate and operator header; `UNAVAILABLE` when the entry cannot be committed.
  func refuseUnknownMethod<Bytes>(
    _ stream: RPCStream<
      RPCAsyncSequence<RPCRequestPart<Bytes>, any Error>, RPCWriter<RPCResponsePart<Bytes>>.Closable
    >,
    context: ServerContext
  ) async {
    // The first inbound part is the request's metadata (the transport reads it before it
    // hands the stream over); the request message is not needed.
    var metadata = Metadata()
    do {
      for try await part in stream.inbound {
        if case .metadata(let received) = part { metadata = received }
        break
      }
    } catch {}
    let path = "/" + stream.descriptor.fullyQualifiedMethod
    let operatorID = metadata[stringValues: Self.operatorHeader].first(where: { _ in true }) ?? ""

    let claim: Authenticator.Claim?
    let refusal: GatewayError
    switch authenticator.authenticate(context, now: clock()) {
    case .success(let caller):
      claim = Authenticator.Claim(commonName: caller.institution.id, fingerprint: caller.certificateFingerprint)
      refusal = GatewayError(.unimplemented, "method \(Self.recordable(path, limit: 256)) is not implemented by this gateway")
    case .failure(let failure):
      claim = failure.claim
      refusal = failure.error
    }
    let code = RPCError.Code(refusal.code)
    var status = Status(code: Status.Code(code), message: refusal.message)
    var trailers = Metadata()
    // The one place an unknown method's entry is appended (see `audit` in Gateway.swift).
    let entry = AuditEntry(
      origin: auditOrigin, time: clock(), institutionID: claim?.commonName ?? "",
      certificateFingerprint: claim?.fingerprint ?? "",
      operatorID: Self.recordable(operatorID, limit: Self.operatorLimit),
      method: Self.recordable(path, limit: 256), purpose: "", consentID: "",
      subjectPseudonym: pseudonymizer.pseudonym(""), outcome: Self.outcome(of: refusal.code),
      statusCode: code.rawValue, reason: refusal.message, categoriesDisclosed: [], recordsDisclosed: 0,
      responseDigest: "")
    do {
      let committed = try await auditWriter.append(entry)
      trailers.addString(String(committed.sequence), forKey: Self.queryIDHeader)
      logger.info(
        "call to an unknown method audited",
        metadata: ["method": "\(entry.method)", "query_id": "\(committed.sequence)"])
    } catch {
      logger.error("audit append failed; refusing the call", metadata: ["method": "\(entry.method)", "error": "\(error)"])
      status = Status(code: .unavailable, message: "the audit log is unavailable; nothing was disclosed")
    }
    try? await stream.outbound.write(.status(status, trailers))
    await stream.outbound.finish()
  }

  /// A caller-supplied string as the log may keep it: control characters replaced by U+FFFD,
  /// cut at `limit` characters (the cut marked with "…").
  static func recordable(_ text: String, limit: Int) -> String {
    var scalars = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      scalars.append(scalar.properties.generalCategory == .control ? "\u{FFFD}" : scalar)
    }
    let clean = String(scalars)
    return clean.count <= limit ? clean : String(clean.prefix(limit - 1)) + "…"
  }
}
