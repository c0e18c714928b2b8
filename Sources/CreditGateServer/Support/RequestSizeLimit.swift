import CreditGateCore
import Foundation
public import GRPCCore
import NIOCore
import NIOHTTP2
import Synchronization

/// The largest request message the gateway reads (issue 8, 7: gRPC's convention is to answer a
/// larger one `RESOURCE_EXHAUSTED`, naming the limit).
///
/// grpc-swift-nio-transport 2.9.2 cannot give that answer itself: its message decoder throws
/// `RESOURCE_EXHAUSTED` for a message over `maxRequestPayloadSize`, but its stream state machine
/// (`GRPCStreamStateMachine.serverReceive(buffer:)`) replaces every decoding error by
/// `internalError` and its stream handler closes the stream, so the caller only sees a
/// RST_STREAM (`CANCELLED`) and the gateway never sees the call. So the limit is enforced one
/// step earlier: `OversizedMessageFilter`, on each HTTP/2 stream before the transport's handler,
/// reads the gRPC length prefix of every inbound message; a message declared over the limit is
/// dropped unread (its bytes are never buffered) and replaced by a small marker message, which
/// `SizeLimitedTransport` recognises before the router: the gateway then audits the
/// call and answers `RESOURCE_EXHAUSTED`. The marker starts with a byte that is never valid
/// protobuf (field 0, wire type 7) and carries a random per-process nonce, so no caller can
/// forge it.
public struct RequestSizeLimit: Sendable {
  /// The default, and the transport's own: 4 MiB (not configurable yet).
  public static let defaultBytes = 4 * 1024 * 1024

  public let bytes: Int
  let nonce: [UInt8]

  /// A limit of `bytes` (positive) per request message, with a fresh random nonce for its marker.
  public init(bytes: Int = RequestSizeLimit.defaultBytes) {
    precondition(bytes > 0, "a message size limit must be positive")
    self.bytes = bytes
    var generator = SystemRandomNumberGenerator()
    self.nonce = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
  }

  /// The payload that stands for a message of `declaredLength` bytes: 0x07, the nonce, and
  /// the length (8 bytes, big-endian).
  func marker(declaredLength: Int) -> [UInt8] {
    var bytes: [UInt8] = [0x07] + nonce
    withUnsafeBytes(of: UInt64(declaredLength).bigEndian) { bytes += $0 }
    return bytes
  }

  /// The declared length if `payload` is this process's marker, nil otherwise.
  func declaredLength(ofMarker payload: some GRPCContiguousBytes) -> Int? {
    guard payload.count == 1 + nonce.count + 8 else { return nil }
    return payload.withUnsafeBytes { raw -> Int? in
      guard raw[0] == 0x07, raw[1...nonce.count].elementsEqual(nonce) else { return nil }
      var length: UInt64 = 0
      for byte in raw[(1 + nonce.count)...] { length = length << 8 | UInt64(byte) }
      return Int(clamping: length)
    }
  }

  /// How the refusal reads.
  func refusal(declaredLength: Int) -> String {
    "the request message of \(declaredLength) bytes is over the gateway's limit of \(bytes) bytes per message"
  }
}

/// On one HTTP/2 stream, before the transport's handler: passes every gRPC message within the
/// limit through unchanged and replaces one over it by the limit's marker (see
/// `RequestSizeLimit`), dropping its bytes as they arrive.
final class OversizedMessageFilter: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = HTTP2Frame.FramePayload
  typealias InboundOut = HTTP2Frame.FramePayload

  private enum State {
    /// Reading a 5-byte prefix (compressed flag, 4-byte length); holds the bytes so far.
    case prefix([UInt8])
    case passing(remaining: Int)
    case dropping(remaining: Int)
  }

  private let limit: RequestSizeLimit
  private var state = State.prefix([])

  init(limit: RequestSizeLimit) { self.limit = limit }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard case .data(var payload) = unwrapInboundIn(data), case .byteBuffer(var buffer) = payload.data else {
      context.fireChannelRead(data)
      return
    }
    // The common case, a frame that is all pass-through, is forwarded as it came.
    if case .passing(let remaining) = state, remaining >= buffer.readableBytes {
      state = remaining == buffer.readableBytes ? .prefix([]) : .passing(remaining: remaining - buffer.readableBytes)
      context.fireChannelRead(data)
      return
    }
    var out = context.channel.allocator.buffer(capacity: buffer.readableBytes)
    while buffer.readableBytes > 0 {
      switch state {
      case .prefix(var prefix):
        let taken = min(5 - prefix.count, buffer.readableBytes)
        prefix += buffer.readBytes(length: taken)!
        guard prefix.count == 5 else {
          state = .prefix(prefix)
          continue
        }
        let length = prefix[1...4].reduce(0) { $0 << 8 | Int($1) }
        if length > limit.bytes {
          let marker = limit.marker(declaredLength: length)
          out.writeInteger(UInt8(0))
          out.writeInteger(UInt32(marker.count))
          out.writeBytes(marker)
          state = .dropping(remaining: length)
        } else {
          out.writeBytes(prefix)
          state = length == 0 ? .prefix([]) : .passing(remaining: length)
        }
      case .passing(let remaining):
        let taken = min(remaining, buffer.readableBytes)
        var slice = buffer.readSlice(length: taken)!
        out.writeBuffer(&slice)
        state = taken == remaining ? .prefix([]) : .passing(remaining: remaining - taken)
      case .dropping(let remaining):
        let taken = min(remaining, buffer.readableBytes)
        buffer.moveReaderIndex(forwardBy: taken)
        state = taken == remaining ? .prefix([]) : .dropping(remaining: remaining - taken)
      }
    }
    // A prefix cut short by the end of the stream goes on as it was (the transport refuses it).
    if payload.endStream, case .prefix(let prefix) = state, !prefix.isEmpty {
      out.writeBytes(prefix)
      state = .prefix([])
    }
    payload.data = .byteBuffer(out)
    context.fireChannelRead(wrapInboundOut(.data(payload)))
  }
}

extension RequestSizeLimit {
  /// The transport hook that puts the filter on every inbound HTTP/2 stream.
  var onAcceptHTTP2Stream: @Sendable (_ channel: any Channel) -> EventLoopFuture<Void> {
    { channel in
      channel.eventLoop.makeCompletedFuture {
        try channel.pipeline.syncOperations.addHandler(OversizedMessageFilter(limit: self), position: .first)
      }
    }
  }
}

/// The inbound parts of a call with its first parts already read: those first, then the rest.
/// Iterated once, by the task that handles the call (hence `@unchecked Sendable`).
final class PeekedInbound<Element: Sendable>: AsyncSequence, @unchecked Sendable {
  typealias Failure = any Error
  private var read: [Element]
  private var rest: RPCAsyncSequence<Element, any Error>.AsyncIterator

  init(read: [Element], rest: RPCAsyncSequence<Element, any Error>.AsyncIterator) {
    self.read = read
    self.rest = rest
  }

  struct AsyncIterator: AsyncIteratorProtocol {
    let base: PeekedInbound
    mutating func next() async throws -> Element? { try await base.next() }
  }

  func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: self) }

  private func next() async throws -> Element? {
    if !read.isEmpty { return read.removeFirst() }
    return try await rest.next()
  }
}

extension Gateway {
  typealias TransportStream<Bytes: GRPCContiguousBytes & Sendable> = RPCStream<
    RPCAsyncSequence<RPCRequestPart<Bytes>, any Error>, RPCWriter<RPCResponsePart<Bytes>>.Closable
  >

  /// Reads a call's metadata and first message. A message the filter replaced is refused here
  /// (audited) and nil returned; otherwise the call with its parts intact.
  func admitMessageSize<Bytes: GRPCContiguousBytes & Sendable>(
    _ stream: TransportStream<Bytes>, context: ServerContext, limit: RequestSizeLimit
  ) async -> TransportStream<Bytes>? {
    var iterator = stream.inbound.makeAsyncIterator()
    var read: [RPCRequestPart<Bytes>] = []
    var metadata = Metadata()
    var oversized: Int?
    do {
      while let part = try await iterator.next() {
        read.append(part)
        switch part {
        case .metadata(let received): metadata = received
        case .message(let bytes): oversized = limit.declaredLength(ofMarker: bytes)
        }
        if case .message = part { break }
      }
    } catch {
      // The transport's error reaches the server through the sequence, as before.
      let rethrowing = FailingAfter(read: read, error: error)
      return RPCStream(
        descriptor: stream.descriptor, inbound: RPCAsyncSequence(wrapping: rethrowing), outbound: stream.outbound)
    }
    guard let oversized else {
      return RPCStream(
        descriptor: stream.descriptor, inbound: RPCAsyncSequence(wrapping: PeekedInbound(read: read, rest: iterator)),
        outbound: stream.outbound)
    }
    await refuseUnhandled(
      stream, context: context, requestMetadata: metadata,
      refusal: GatewayError(.resourceExhausted, limit.refusal(declaredLength: oversized)))
    return nil
  }
}

/// A server transport that refuses, audited, every call whose request message the filter
/// replaced (see `RequestSizeLimit`); every other call goes on unchanged.
public struct SizeLimitedTransport<Base: ServerTransport>: ServerTransport {
  /// The base transport's bytes: messages pass through as they are.
  public typealias Bytes = Base.Bytes

  public let base: Base
  let gateway: Gateway
  let limit: RequestSizeLimit

  /// Wraps `base`; the calls the filter marked as over `limit` are refused and audited through
  /// `gateway`.
  public init(wrapping base: Base, gateway: Gateway, limit: RequestSizeLimit) {
    self.base = base
    self.gateway = gateway
    self.limit = limit
  }

  /// `ServerTransport`: hands the server's context to the base transport.
  public func configure(context: GRPCServerContext) { base.configure(context: context) }

  /// `ServerTransport`: listens on the base transport, refusing each oversized call before the
  /// router sees it and handing every other call on with its parts intact.
  public func listen(
    streamHandler: @escaping @Sendable (_ stream: RPCStream<Inbound, Outbound>, _ context: ServerContext) async -> Void
  ) async throws {
    let gateway = self.gateway
    let limit = self.limit
    try await base.listen { stream, context in
      if let admitted = await gateway.admitMessageSize(stream, context: context, limit: limit) {
        await streamHandler(admitted, context)
      }
    }
  }

  /// `ServerTransport`: shuts the base transport down gracefully.
  public func beginGracefulShutdown() { base.beginGracefulShutdown() }
}

/// Parts already read, then the error that stopped the reading.
private struct FailingAfter<Element: Sendable>: AsyncSequence, Sendable {
  let read: [Element]
  let error: any Error

  struct AsyncIterator: AsyncIteratorProtocol {
    var read: [Element]
    var error: (any Error)?
    mutating func next() async throws -> Element? {
      if !read.isEmpty { return read.removeFirst() }
      if let error { self.error = nil; throw error }
      return nil
    }
  }

  func makeAsyncIterator() -> AsyncIterator { AsyncIterator(read: read, error: error) }
}
