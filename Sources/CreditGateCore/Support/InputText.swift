/// The rule every caller-supplied string follows before anything else looks at it (DESIGN §2
/// "Input"): no control characters, and at most a documented number of characters.
///
/// Refused, wherever they appear:
/// - control characters (general category Cc): NUL, the other C0 controls including tab and
///   line feeds, DEL and the C1 controls. SQLite cuts text at a NUL, and a line break or an
///   escape sequence would forge lines in exports and terminals;
/// - the line and paragraph separators U+2028 and U+2029 (Zl, Zp), for the same reason;
/// - the bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A–U+202E,
///   U+2066–U+2069): they make a reason or a purpose display as something other than what was
///   stored ("Trojan Source").
///
/// Other format characters (Cf) are allowed: the zero-width joiner and non-joiner are part of
/// how some scripts and emoji are written. Private-use characters are allowed too: rare Chinese
/// characters in names are still encoded there by some registries.
///
/// Lengths are counted in Unicode scalars (code points), not in grapheme clusters: one
/// "character" of a thousand combining marks counts a thousand. That bounds the UTF-8 size at
/// four bytes a character.
public enum InputText {
  /// The limit of a string field that has no limit of its own.
  public static let defaultLimit = 256

  /// Limits by protobuf field name, where a field needs more or less than the default.
  public static let limits: [String: Int] = [
    "name": 200,
    "title": 500,
    "document_number": 128,
    "reason": 1000,
    "statement": 4000,
    "description": 4000,
    "provider_record_id": 128,
    "record_id": 128,
    "consent_id": 128,
    "case_id": 128,
    "suspension_id": 128,
    "institution_id": 128,
    "grantee_institution_id": 128,
    "page_token": 128,
  ]

  /// The limit for a field, by the last component of its path (`records[3].title` → `title`).
  public static func limit(forField path: String) -> Int {
    var name = Substring(path)
    if let dot = name.lastIndex(of: ".") { name = name[name.index(after: dot)...] }
    if let bracket = name.firstIndex(of: "[") { name = name[..<bracket] }
    return limits[String(name)] ?? defaultLimit
  }

  /// Whether a character may appear in caller-supplied text.
  public static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return false
    default: break
    }
    switch scalar.properties.generalCategory {
    case .control, .lineSeparator, .paragraphSeparator: return false
    default: return true
    }
  }

  /// Checks `text`, the value of `field`, against the rule and the field's limit (or `limit`).
  /// The error names the field and, for a refused character, its code point; never the value.
  public static func check(_ text: String, field: String, limit: Int? = nil) throws(GatewayError) {
    let limit = limit ?? Self.limit(forField: field)
    var count = 0
    for scalar in text.unicodeScalars {
      count += 1
      guard isAllowed(scalar) else {
        throw .invalid(field, "must not contain control characters (\(codePoint(scalar)) at position \(count))")
      }
    }
    guard count <= limit else { throw .invalid(field, "must be at most \(limit) characters") }
  }

  /// Checks a text metadata value, such as `x-operator-id`: gRPC allows only printable ASCII
  /// (`%x20-7E`) there, so anything else, including bytes that were not UTF-8, is refused.
  public static func checkHeader(_ text: String, field: String, limit: Int) throws(GatewayError) {
    var count = 0
    for scalar in text.unicodeScalars {
      count += 1
      guard (0x20...0x7E).contains(scalar.value) else {
        throw .invalid(field, "must be printable ASCII (\(codePoint(scalar)) at position \(count))")
      }
    }
    guard count <= limit else { throw .invalid(field, "must be at most \(limit) characters") }
  }

  /// Whether `checkHeader` would accept `text`.
  public static func isValidHeader(_ text: String, limit: Int) -> Bool {
    (try? checkHeader(text, field: "", limit: limit)) != nil
  }

  /// `U+0000`: a character named without printing it.
  static func codePoint(_ scalar: Unicode.Scalar) -> String {
    let hex = String(scalar.value, radix: 16, uppercase: true)
    return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
  }
}
