import Foundation
public import GRPCCore
public import GRPCNIOTransportHTTP2Posix
public import SwiftProtobuf

/// Runs a client command's calls the one way every command runs them: a connection per call,
/// a gRPC failure reported on standard error as its `failureLine` and then thrown as
/// `CommandRunner.Failure`, and the answer printed as JSON lines or as the command's text.
public struct CommandRunner: Sendable {
  /// Where the calls go and which certificate they present.
  public var connection: GatewayConnection
  /// Whether `run` prints the command's text or JSON.
  public var format: OutputFormat

  /// A runner for calls over `connection`, printing in `format`.
  public init(connection: GatewayConnection, format: OutputFormat) {
    self.connection = connection
    self.format = format
  }

  /// Thrown once a failed call has been reported on standard error: the command has nothing
  /// more to print and exits non-zero.
  public struct Failure: Error {
    /// The gateway's answer (or the transport's, when the call never reached it).
    public let error: RPCError
  }

  /// Runs `body` with a connected client and returns what it returns; the connection closes
  /// first. A gRPC failure is reported and thrown as `Failure`; other errors pass through.
  public func call<Result: Sendable>(
    _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    do {
      return try await connection.withClient(body)
    } catch let error as RPCError {
      FileHandle.standardError.write(Data((error.failureLine + "\n").utf8))
      throw Failure(error: error)
    }
  }

  /// Runs one call and prints its answer: in `.json`, each message `json` picks from it as a
  /// line of JSON (`JSONEncodingOptions.protoFieldNames`); in `.text`, by `printText`.
  public func run<Answer: Sendable>(
    _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Answer,
    json messages: (Answer) -> [any SwiftProtobuf.Message],
    print printText: (Answer) throws -> Void
  ) async throws {
    let answer = try await call(body)
    switch format {
    case .json:
      for message in messages(answer) { print(try message.jsonString(options: .protoFieldNames)) }
    case .text:
      try printText(answer)
    }
  }

  /// Runs one call answered by one message and prints the answer: as one line of JSON in
  /// `.json`, by `printText` in `.text`.
  public func run<Answer: SwiftProtobuf.Message>(
    _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Answer,
    print printText: (Answer) throws -> Void
  ) async throws {
    try await run(body, json: { [$0] }, print: printText)
  }
}
