import CreditGateCore
import CreditGateProtos
import Foundation
public import GRPCCore
import Synchronization

/// A server transport that audits the calls the gateway's handlers never see (DESIGN §8: every
/// RPC appends one entry; the health service is the exception):
///
/// - A call to a method no service registered. `GRPCServer`'s router answers it `UNIMPLEMENTED`
///   itself, before any service or interceptor sees it (grpc-swift-2 `RPCRouter.handle`), so the
///   transport hands it to `Gateway.refuseUnknownMethod` instead.
/// - A call to a known method that ends without passing through the gateway's audited path:
///   a request grpc-swift-protobuf cannot decode (malformed bytes, invalid UTF-8, a wrong wire
///   type) is refused `INVALID_ARGUMENT` inside the generated stubs, and a unary call with no
///   message or two is refused before the handler runs. Such a status carries no `x-query-id`;
///   the stream's writer appends the entry when it writes it (`UnauditedCallWriter`).
///
/// Not caught: a `:path` that is not `/service/method` at all. grpc-swift-nio-transport answers it
/// `UNIMPLEMENTED` inside its stream handler (`GRPCServerStreamHandler`, on a path
/// `MethodDescriptor(path:)` cannot parse) and never hands the stream to the server.
public struct AuditingTransport<Base: ServerTransport>: ServerTransport {
  /// The base transport's bytes: messages pass through as they are.
  public typealias Bytes = Base.Bytes

  public let base: Base
  let gateway: Gateway
  private let known = KnownMethods()

  /// Wraps `base`; the calls the handlers never see are audited through `gateway`.
  public init(wrapping base: Base, gateway: Gateway) {
    self.base = base
    self.gateway = gateway
  }

  /// `ServerTransport`: notes the methods the server registered, so that a call to any other is
  /// refused here, then configures the base transport.
  public func configure(context: GRPCServerContext) {
    known.set(context.methods)
    base.configure(context: context)
  }

  /// `ServerTransport`: refuses a call to an unknown method (audited), passes health checks as
  /// they are, and watches every other call so that one ending outside the audited path is audited.
  public func listen(
    streamHandler: @escaping @Sendable (_ stream: RPCStream<Inbound, Outbound>, _ context: ServerContext) async -> Void
  ) async throws {
    let known = self.known
    let gateway = self.gateway
    try await base.listen { stream, context in
      if !known.contains(stream.descriptor) {
        await gateway.refuseUnknownMethod(stream, context: context)
      } else if stream.descriptor.service == Grpc_Health_V1_Health.descriptor {
        await streamHandler(stream, context)
      } else {
        let call = CallRecord()
        let watched = RPCStream(
          descriptor: stream.descriptor,
          inbound: RPCAsyncSequence(wrapping: MetadataObservingInbound(base: stream.inbound, call: call)),
          outbound: RPCWriter.Closable(
            wrapping: UnauditedCallWriter(base: stream.outbound, call: call, gateway: gateway, context: context)))
        await streamHandler(watched, context)
      }
    }
  }

  /// `ServerTransport`: shuts the base transport down gracefully.
  public func beginGracefulShutdown() { base.beginGracefulShutdown() }
}

private final class KnownMethods: Sendable {
  private let methods = Mutex<Set<MethodDescriptor>>([])
  func set(_ descriptors: [MethodDescriptor]) { methods.withLock { $0 = Set(descriptors) } }
  func contains(_ descriptor: MethodDescriptor) -> Bool { methods.withLock { $0.contains(descriptor) } }
}

/// What the transport learns of one call: the request's metadata (its first inbound part), and
/// whether response headers went out — which only a handler that returned, and so had its entry
/// committed by the gateway, sends.
private final class CallRecord: Sendable {
  let requestMetadata = Mutex(Metadata())
  let answered = Atomic(false)
}

/// The inbound parts as they are, noting the first one's metadata in the call's record.
private struct MetadataObservingInbound<Bytes: GRPCContiguousBytes & Sendable>: AsyncSequence, Sendable {
  typealias Element = RPCRequestPart<Bytes>
  typealias Failure = any Error

  let base: RPCAsyncSequence<RPCRequestPart<Bytes>, any Error>
  let call: CallRecord

  func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), call: call) }

  struct Iterator: AsyncIteratorProtocol {
    var base: RPCAsyncSequence<RPCRequestPart<Bytes>, any Error>.AsyncIterator
    /// Until the first part has been read.
    var call: CallRecord?

    mutating func next(isolation actor: isolated (any Actor)?) async throws(any Error) -> Element? {
      var part = try await base.next(isolation: actor)
      if let call {
        if case .metadata(var metadata)? = part {
          call.requestMetadata.withLock { $0 = metadata }
          if GRPCDeadline.isLong(metadata) {
            metadata.removeAllValues(forKey: GRPCDeadline.header)
            part = .metadata(metadata)
          }
        }
        self.call = nil
      }
      return part
    }

    mutating func next() async throws -> Element? { try await next(isolation: nil) }
  }
}

/// The outbound writer of a call to a known method: when the call's status goes out without an
/// `x-query-id` and no response was sent, the call never reached the gateway's audited path, so
/// its entry is appended first (`Gateway.auditUnhandled`). Every other part passes as it is.
private struct UnauditedCallWriter<Bytes: GRPCContiguousBytes & Sendable>: ClosableRPCWriterProtocol {
  typealias Element = RPCResponsePart<Bytes>

  let base: RPCWriter<RPCResponsePart<Bytes>>.Closable
  let call: CallRecord
  let gateway: Gateway
  let context: ServerContext

  func write(_ element: Element) async throws {
    try await base.write(audited(element))
  }

  func write(contentsOf elements: some Sequence<Element>) async throws {
    var parts = Array(elements)
    for index in parts.indices where parts[index].isStatusOrHeaders {
      parts[index] = await audited(parts[index])
    }
    try await base.write(contentsOf: parts)
  }

  func finish() async { await base.finish() }
  func finish(throwing error: any Error) async { await base.finish(throwing: error) }

  private func audited(_ part: Element) async -> Element {
    switch part {
    case .metadata:
      call.answered.store(true, ordering: .relaxed)
      return part
    case .status(let status, let trailers):
      guard trailers[Gateway.queryIDHeader].first(where: { _ in true }) == nil, !call.answered.load(ordering: .relaxed),
        // The gateway's own refusal when its entry could not be committed: not tried again.
        !(status.code == .unavailable && status.message == Gateway.auditUnavailable)
      else { return part }
      let (sent, withQueryID) = await gateway.auditUnhandled(
        context.descriptor, context: context, requestMetadata: call.requestMetadata.withLock { $0 },
        status: status, trailers: trailers)
      return .status(sent, withQueryID)
    case .message:
      return part
    }
  }
}

/// Long deadlines are left to the client. grpc-swift-2 enforces a call's `grpc-timeout` with a
/// child task sleeping for it (`ServerRPCExecutor._processRPCWithTimeout`); when the call ends
/// first the sleep is cancelled, but the Swift runtime keeps the sleeping task's memory (several
/// KB) until the deadline would have passed. With 60 s deadlines and a thousand calls a second
/// that held half a gigabyte. The server enforces deadlines up to `longest`; past it the client
/// enforces its own (it cancels the stream, which cancels the handler), and the server's memory
/// is bounded by (calls per second) × `longest`.
enum GRPCDeadline {
  static let header = "grpc-timeout"
  static let longest = Duration.seconds(10)

  /// Whether the request's deadline is longer than the server enforces itself.
  static func isLong(_ metadata: Metadata) -> Bool {
    guard let value = metadata[stringValues: header].first(where: { _ in true }) else { return false }
    return (parse(value) ?? .zero) > longest
  }

  /// A `grpc-timeout` value: 1 to 8 digits and a unit (H, M, S, m, u, n); nil if malformed.
  static func parse(_ value: String) -> Duration? {
    guard let unit = value.last, (2...9).contains(value.count) else { return nil }
    let digits = value.dropLast()
    guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let amount = Int64(digits) else { return nil }
    switch unit {
    case "H": return .seconds(amount * 3600)
    case "M": return .seconds(amount * 60)
    case "S": return .seconds(amount)
    case "m": return .milliseconds(amount)
    case "u": return .microseconds(amount)
    case "n": return .nanoseconds(amount)
    default: return nil
    }
  }
}

extension RPCResponsePart {
  fileprivate var isStatusOrHeaders: Bool {
    if case .message = self { return false }
    return true
  }
}

extension Gateway {
  /// Answers a call to an unknown method: `UNIMPLEMENTED`, audited like any call the handlers
  /// never see.
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
    await refuseUnhandled(
      stream, context: context, requestMetadata: metadata,
      refusal: GatewayError(.unimplemented, "method \(Self.recordable(path, limit: 256)) is not implemented by this gateway"))
  }

  /// Ends a call the handlers never see with `refusal` — or with the authentication refusal
  /// when the certificate does not authenticate — audited (`auditUnhandled`).
  func refuseUnhandled<Bytes>(
    _ stream: RPCStream<
      RPCAsyncSequence<RPCRequestPart<Bytes>, any Error>, RPCWriter<RPCResponsePart<Bytes>>.Closable
    >,
    context: ServerContext, requestMetadata: Metadata, refusal: GatewayError
  ) async {
    var refusal = refusal
    if case .failure(let failure) = authenticator.authenticate(context, now: clock()) { refusal = failure.error }
    let (status, trailers) = await auditUnhandled(
      stream.descriptor, context: context, requestMetadata: requestMetadata,
      status: Status(code: Status.Code(RPCError.Code(refusal.code)), message: refusal.message), trailers: [:])
    try? await stream.outbound.write(.status(status, trailers))
    await stream.outbound.finish()
  }

  /// Appends the entry of a call that ends with `status` without the gateway's handlers having
  /// recorded it: the method path as sent, the certificate's claim (authenticated or not), the
  /// operator header, the outcome of the status code and its message as the reason. Returns the
  /// status to send and `trailers` with the entry's `x-query-id` — or, when the entry cannot be
  /// committed, `UNAVAILABLE` and `trailers` as they were.
  func auditUnhandled(
    _ method: MethodDescriptor, context: ServerContext, requestMetadata: Metadata, status: Status,
    trailers: Metadata
  ) async -> (Status, Metadata) {
    let claim: Authenticator.Claim? =
      switch authenticator.authenticate(context, now: clock()) {
      case .success(let caller):
        Authenticator.Claim(commonName: caller.institution.id, fingerprint: caller.certificateFingerprint)
      case .failure(let failure): failure.claim
      }
    let operatorID = requestMetadata[stringValues: Self.operatorHeader].first(where: { _ in true }) ?? ""
    // The one place such an entry is appended (see `audit` in Gateway.swift for the others).
    let entry = AuditEntry(
      origin: auditOrigin, time: clock(), institutionID: claim?.commonName ?? "",
      certificateFingerprint: claim?.fingerprint ?? "", operatorID: Self.recordedOperator(operatorID),
      method: Self.recordable("/" + method.fullyQualifiedMethod, limit: 256), purpose: "", consentID: "",
      subjectPseudonym: pseudonymizer.pseudonym(""), outcome: Self.outcome(of: status.code),
      statusCode: status.code.rawValue, reason: Self.recordable(status.message, limit: 512),
      categoriesDisclosed: [], recordsDisclosed: 0, responseDigest: "")
    do {
      // Through the same step as every handled call: metrics, log line, fail closed.
      let committed = try await audit(AuditAppend(entry: entry))
      var trailers = trailers
      trailers.addString(String(committed.entry.sequence), forKey: Self.queryIDHeader)
      return (status, trailers)
    } catch {
      return (Status(code: .unavailable, message: Self.auditUnavailable), trailers)
    }
  }

  /// The outcome of a call that ended with `code`: as for the gateway's refusal with that code
  /// (`outcome(of:)`), `failed` for a code the gateway never refuses with.
  static func outcome(of code: Status.Code) -> AuditOutcome {
    guard let refusal = GatewayError.Code.allCases.first(where: { Status.Code(RPCError.Code($0)) == code }) else {
      return .failed
    }
    return outcome(of: refusal)
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
