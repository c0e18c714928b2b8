import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// Serves the usage counters in the Prometheus text format at `GET /metrics`, over plain HTTP
/// on a port of its own (the gRPC port stays mTLS-only). Only counts leave here: institutions,
/// methods and outcomes, never subjects.
struct MetricsEndpoint {
  let registry: PrometheusCollectorRegistry
  let host: String
  let port: Int
  let logger: Logger

  /// Binds, reports the bound port, and serves until the task is cancelled.
  func run(onListening: @Sendable (Int) -> Void) async throws {
    let registry = self.registry
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        channel.pipeline.configureHTTPServerPipeline().flatMap {
          channel.pipeline.addHandler(MetricsHandler(registry: registry))
        }
      }
      .bind(host: host, port: port).get()
    onListening(channel.localAddress?.port ?? port)
    await withTaskCancellationHandler {
      try? await channel.closeFuture.get()
    } onCancel: {
      channel.close(promise: nil)
    }
  }
}

private final class MetricsHandler: ChannelInboundHandler, Sendable {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  let registry: PrometheusCollectorRegistry

  init(registry: PrometheusCollectorRegistry) {
    self.registry = registry
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard case .head(let request) = unwrapInboundIn(data) else { return }
    let found = request.method == .GET && request.uri.split(separator: "?").first == "/metrics"
    let body = found ? registry.emitToBuffer() : Array("not found\n".utf8)
    var headers = HTTPHeaders()
    headers.add(name: "Content-Type", value: found ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain")
    headers.add(name: "Content-Length", value: String(body.count))
    headers.add(name: "Connection", value: "close")
    context.write(
      wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: found ? .ok : .notFound, headers: headers))),
      promise: nil)
    context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
    let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
    context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
  }
}
