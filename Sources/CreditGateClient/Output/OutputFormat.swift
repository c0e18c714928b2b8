/// How a client command prints its answer: the readable text (tables), or JSON (`--json`).
public enum OutputFormat: Sendable {
  /// The command's own readable text.
  case text
  /// Each answer message as one line of JSON with the `.proto` field names.
  case json
}
