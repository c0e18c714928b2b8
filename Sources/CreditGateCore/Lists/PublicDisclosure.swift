public import Crypto
public import Foundation

/// Public disclosure of the derived lists (披露、曝光, 红黑榜): who is on the serious-dishonesty
/// list with the records that put them there, and who is on the red list with their honours —
/// only records within their disclosure period, with persons' and organisations' names and codes
/// masked. Government bodies are public bodies and are shown unmasked.
public enum PublicDisclosure {
  /// One subject on a list, as the public sees it.
  public struct Entry: Sendable, Hashable {
    public var maskedName: String
    public var maskedCode: String
    public var kind: SubjectKind
    /// The records that put the subject on the list (of the filtered category, if one was given).
    public var records: [CreditRecord]
  }

  /// The categories whose records can put a subject on `list`: the listed categories for the
  /// serious-dishonesty list, honours for the red list.
  public static func categories(of list: CreditList, lists: PublishedLists) -> [String] {
    switch list {
    case .seriousDishonesty: return lists.categories.filter(\.listed).map(\.code)
    case .red: return [DerivedLists.honourCategory]
    }
  }

  /// The entry of `subject` on `list` on `today`, or nil if they are not on it (or not in the
  /// filters: `region` a prefix of the code's GB/T 2260 region code, `category` one of the
  /// records that put them there). Records are masked with the subject.
  public static func entry(
    subject: Subject, records: [CreditRecord], list: CreditList, region: String?, category: String?,
    lists: PublishedLists, today: LocalDate
  ) -> Entry? {
    if let region, !regionCode(of: subject.code, kind: subject.kind).hasPrefix(region) { return nil }
    guard let membership = DerivedLists.memberships(records: records, lists: lists, today: today).first(where: { $0.list == list })
    else { return nil }
    let ids = Set(membership.recordIDs)
    var shown = records.filter { ids.contains($0.id) }
    if let category { shown = shown.filter { $0.content.category == category } }
    guard !shown.isEmpty else { return nil }
    let code = maskedCode(subject.code, kind: subject.kind)
    let name = maskedName(subject.name, kind: subject.kind)
    // Providers write titles and numbers as free text: the subject's name or code in them is
    // masked as well.
    func masking(_ text: String) -> String {
      guard subject.kind != .government else { return text }
      var text = text.replacingOccurrences(of: subject.code, with: code)
      if !subject.name.isEmpty { text = text.replacingOccurrences(of: subject.name, with: name) }
      return text
    }
    return Entry(
      maskedName: name, maskedCode: code, kind: subject.kind,
      records: shown.map { record in
        var masked = record
        masked.content.subjectCode = code
        masked.content.title = masking(record.content.title)
        masked.content.documentNumber = masking(record.content.documentNumber)
        masked.content.providerRecordID = masking(record.content.providerRecordID)
        return masked
      })
  }

  /// A person's name keeps its first character (`张*`, `欧阳**` → `欧***`); an organisation's its
  /// first two (usually the region) and its last four — six when the name has ten or more
  /// characters (the legal form, e.g. `杭州**科技有限公司`) — with at least one masked. A
  /// government body's is shown as it is.
  public static func maskedName(_ name: String, kind: SubjectKind) -> String {
    let characters = Array(name)
    switch kind {
    case .government: return name
    case .person:
      guard characters.count > 1 else { return "*" }
      return String(characters[0]) + String(repeating: "*", count: characters.count - 1)
    case .organisation:
      guard characters.count > 3 else { return String(characters.prefix(1)) + String(repeating: "*", count: max(characters.count - 1, 1)) }
      let head = 2
      let tail = min(characters.count >= 10 ? 6 : 4, characters.count - head - 1)
      return String(characters[..<head]) + String(repeating: "*", count: characters.count - head - tail)
        + String(characters[(characters.count - tail)...])
    }
  }

  /// A code keeps its first four and last four characters (`3301**********1234`); a government
  /// body's is shown as it is.
  public static func maskedCode(_ code: String, kind: SubjectKind) -> String {
    guard kind != .government else { return code }
    let characters = Array(code)
    guard characters.count > 8 else { return String(repeating: "*", count: characters.count) }
    return String(characters.prefix(4)) + String(repeating: "*", count: characters.count - 8) + String(characters.suffix(4))
  }

  /// The six-digit region code of a stored code: positions 1–6 of a person's, 3–8 of an
  /// organisation's or a government body's.
  public static func regionCode(of code: String, kind: SubjectKind) -> String {
    let characters = Array(code)
    let range = kind == .person ? 0..<6 : 2..<8
    guard characters.count >= range.upperBound else { return "" }
    return String(characters[range])
  }
}

/// Opaque, authenticated page tokens: the position of a listing (the last subject code shown)
/// sealed with AES-GCM under a key of the gateway's, bound to the listing's filters, so that a
/// token neither reveals a code nor serves another listing.
public struct PageTokens: Sendable {
  private let key: SymmetricKey

  /// Tokens under a key derived (HKDF-SHA-256) from `secret`, e.g. the pseudonym key.
  public init(secret: some DataProtocol) {
    key = HKDF<SHA256>.deriveKey(
      inputKeyMaterial: SymmetricKey(data: Data(secret)), info: Data("creditgate page token v1".utf8), outputByteCount: 32)
  }

  /// The token of the position after `last` in the listing `listing`.
  public func token(after last: String, listing: String) -> String {
    let plain = Data((listing + "\u{0}" + last).utf8)
    guard let sealed = try? AES.GCM.seal(plain, using: key).combined else { return "" }
    return sealed.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
  }

  /// The position a token holds, if it is one of this gateway's tokens for `listing`.
  public func position(of token: String, listing: String) throws(GatewayError) -> String {
    let base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    guard let data = Data(base64Encoded: base64), let box = try? AES.GCM.SealedBox(combined: data),
      let plain = try? AES.GCM.open(box, using: key), let text = String(data: plain, encoding: .utf8)
    else { throw .invalid("page_token", "is not a page token of this gateway") }
    let prefix = listing + "\u{0}"
    guard text.hasPrefix(prefix) else { throw .invalid("page_token", "belongs to another listing (other filters)") }
    return String(text.dropFirst(prefix.count))
  }
}
