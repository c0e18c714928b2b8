import Foundation

/// What a subject code identifies.
public enum SubjectKind: String, Sendable, Hashable, CaseIterable, Codable {
  /// A natural person, by the citizen identity number (GB 11643).
  case person
  /// An organisation other than a government body, by the unified social credit code (GB 32100).
  case organisation
  /// A government body: a GB 32100 code with registration-authority code `1` (机构编制).
  case government
}

/// A validated subject code: a citizen identity number (GB 11643) for a person, or a unified
/// social credit code (GB 32100) for an organisation or a government body.
///
/// The code is personal data. Nothing this type prints — `description`, `debugDescription`,
/// its mirror (`dump`), and every `SubjectCodeError` it throws — contains the whole code; use
/// `value` deliberately where the code itself is needed.
///
/// ## Person or organisation
/// Both standards use 18 characters, and a GB 32100 code can consist of digits only, so the
/// syntax alone is ambiguous. Unless the caller says which kind it expects (`expecting:`), the
/// rule is:
/// 1. Positions 1–17 are digits, position 18 is a digit or `X`, and positions 7–8 are `18`,
///    `19` or `20` (the century of a birth year): a person. It is then validated strictly as
///    GB 11643: province, birth date and the MOD 11-2 check character must all be right. An
///    organisation code of that shape (region code ending in 18–20 and an all-digit
///    organisation code) is therefore rejected unless the caller passes
///    `expecting: .organisation`.
/// 2. Otherwise it is parsed as GB 32100. The result stands if it parses and passes the MOD 31
///    check.
/// 3. If it does not, but positions 1–8 are digits with `18`–`20` at positions 7–8 — a
///    citizen identity number with a letter in it — the error reported is the GB 11643 one
///    (a letter where a person's code has a digit), and a code that would only pass as an
///    organisation with a failing MOD 31 check is rejected rather than accepted as an early
///    organisation code.
/// 4. Otherwise the GB 32100 result stands: an error, or an organisation accepted with the
///    early-code warning.
public struct SubjectCode: Sendable, Hashable, CustomStringConvertible,
  CustomDebugStringConvertible, CustomReflectable
{
  /// The normalised code: surrounding whitespace trimmed, letters uppercased.
  public let value: String
  public let kind: SubjectKind
  /// Things the caller must be told although the code was accepted, e.g.
  /// `SubjectCode.earlyOrganisationCodeWarning`.
  public let warnings: [String]
  /// For a person, the birth date in positions 7–14; nil for organisations.
  public let birthDate: LocalDate?
  /// Whether the check character (position 18) is right. Always true for a person (a wrong
  /// one is an error); false for an early organisation code accepted with a warning.
  public let passesCheckCharacter: Bool

  /// The warning attached to an organisation code whose MOD 31 check character is wrong.
  public static let earlyOrganisationCodeWarning =
    "organisation code fails the GB 32100 MOD 31 check; accepted as an early code"

  /// The earliest birth date accepted for a person.
  public static let earliestBirthDate = LocalDate(year: 1850, month: 1, day: 1)!

  /// Parses and validates a subject code.
  ///
  /// - Parameters:
  ///   - text: the code; whitespace around it is ignored, a lowercase letter (such as the
  ///     check character `x`) is accepted and uppercased.
  ///   - expected: the kind the caller knows the subject to be, if it does. `.person` parses
  ///     the code as GB 11643 only; `.organisation` as GB 32100 only (a government body is
  ///     accepted, as an organisation, and its `kind` is `.government`); `.government` as
  ///     GB 32100 with registration-authority code `1`. Nil applies the rule in the type's
  ///     documentation.
  ///   - today: the date a birth date may not be after; by default today in China (UTC+8).
  /// - Throws: `SubjectCodeError`, whose reason never contains the code.
  public init(
    parsing text: String,
    expecting expected: SubjectKind? = nil,
    today: LocalDate = LocalDate.todayInChina()
  ) throws(SubjectCodeError) {
    let bytes = try Self.normalise(text)
    let parsed: Parsed
    switch expected {
    case .person:
      parsed = try Self.parsePerson(bytes, today: today)
    case .organisation:
      parsed = try Self.parseOrganisation(bytes)
    case .government:
      parsed = try Self.parseOrganisation(bytes)
      guard parsed.kind == .government else {
        let authority = RegistrationAuthority(code: Character(Unicode.Scalar(bytes[0])))!
        throw SubjectCodeError(
          code: .registrationAuthority,
          reason: "registration-authority code \(authority.code) (\(authority.name)) does not mark "
            + "a government body; government bodies have code 1 (机构编制)",
          interpretedAs: .organisation)
      }
    case nil:
      parsed = try Self.classifyAndParse(bytes, today: today)
    }
    self.value = String(decoding: bytes, as: UTF8.self)
    self.kind = parsed.kind
    self.warnings = parsed.warnings
    self.birthDate = parsed.birthDate
    self.passesCheckCharacter = parsed.passesCheckCharacter
  }

  // MARK: Parts of the code

  private var characters: [UInt8] { Array(value.utf8) }

  private func part(_ range: Range<Int>) -> String {
    String(decoding: characters[range], as: UTF8.self)
  }

  /// The six-digit GB/T 2260 region code: positions 1–6 for a person, 3–8 for an organisation.
  public var regionCode: String { kind == .person ? part(0..<6) : part(2..<8) }

  /// The first two digits of the region code.
  public var provinceCode: String { String(regionCode.prefix(2)) }

  /// The province of the region code (always a GB/T 2260 province: parsing checked it).
  public var province: Province { Province(code: provinceCode)! }

  /// For an organisation or government body, the registration authority (position 1).
  public var registrationAuthority: RegistrationAuthority? {
    kind == .person ? nil : RegistrationAuthority(code: Character(Unicode.Scalar(characters[0])))
  }

  /// For an organisation or government body, the registration-authority code (position 1).
  public var registrationAuthorityCode: String? { kind == .person ? nil : part(0..<1) }

  /// For an organisation or government body, the type code (position 2).
  public var typeCode: String? { kind == .person ? nil : part(1..<2) }

  /// For an organisation or government body, the GB 11714 organisation code (positions 9–17).
  public var organisationCode: String? { kind == .person ? nil : part(8..<17) }

  /// The code with everything but the first six and the last character replaced by `*`,
  /// e.g. `330106***********X`.
  public var masked: String {
    String(value.prefix(6)) + String(repeating: "*", count: value.count - 7)
      + String(value.suffix(1))
  }

  /// The kind and the masked code, e.g. `person 330106***********X`; never the whole code.
  public var description: String { "\(kind.rawValue) \(masked)" }

  public var debugDescription: String { "SubjectCode(\(kind.rawValue), \(masked))" }

  /// Shows the masked code only, so `dump` and reflection do not reveal the code either.
  public var customMirror: Mirror {
    Mirror(
      self,
      children: ["kind": kind, "masked": masked, "warnings": warnings],
      displayStyle: .struct)
  }
}

// MARK: - Errors

/// Why a subject code was rejected. The server maps it to INVALID_ARGUMENT on the request field
/// that carried the code (`gatewayError(field:)`).
///
/// Neither `reason` nor `description` contains the code: at most a single character of it, a
/// two-digit province code or, for a birth date that is not a real date, that date.
public struct SubjectCodeError: Error, Sendable, Hashable, CustomStringConvertible {
  /// Which part of the code is wrong.
  public struct Code: Sendable, Hashable, CustomStringConvertible {
    enum Wrapped: String, Sendable, Hashable {
      case length
      case characters
      case province
      case birthDate = "birth_date"
      case checkCharacter = "check_character"
      case registrationAuthority = "registration_authority"
      case typeCode = "type_code"
    }
    let wrapped: Wrapped
    /// Not 18 characters (after trimming surrounding whitespace).
    public static let length = Self(wrapped: .length)
    /// A character not allowed where it stands: whitespace inside the code, a non-ASCII
    /// character, a letter in a person's digits, a letter GB 32100 excludes (I, O, S, V, Z).
    public static let characters = Self(wrapped: .characters)
    /// The region code's first two digits are not a GB/T 2260 province.
    public static let province = Self(wrapped: .province)
    /// A person's birth date is not a real date, is before 1850 or is in the future.
    public static let birthDate = Self(wrapped: .birthDate)
    /// A person's ISO 7064 MOD 11-2 check character is wrong.
    public static let checkCharacter = Self(wrapped: .checkCharacter)
    /// The registration-authority code (position 1) is not one GB 32100 defines, or is not
    /// `1` where a government body was expected.
    public static let registrationAuthority = Self(wrapped: .registrationAuthority)
    /// The type code (position 2) is not defined for the registration authority.
    public static let typeCode = Self(wrapped: .typeCode)

    /// `length`, `characters`, `province`, `birth_date`, `check_character`,
    /// `registration_authority` or `type_code`.
    public var description: String { wrapped.rawValue }
  }

  public let code: Code
  /// A sentence saying what is wrong, without the code itself.
  public let reason: String
  /// The standard the code was read under when it failed: `.person` for GB 11643,
  /// `.organisation` for GB 32100, nil when it failed before that was decided (length,
  /// whitespace, non-ASCII characters).
  public let interpretedAs: SubjectKind?

  /// Creates the error; `reason` must not contain the code (see the type's note).
  public init(code: Code, reason: String, interpretedAs: SubjectKind? = nil) {
    self.code = code
    self.reason = reason
    self.interpretedAs = interpretedAs
  }

  /// E.g. `invalid subject code (check_character): check character is wrong (...)`.
  public var description: String { "invalid subject code (\(code)): \(reason)" }

  /// The INVALID_ARGUMENT error to send to the caller, naming the request field.
  public func gatewayError(field: String = "subject_code") -> GatewayError {
    .invalid(field, reason)
  }
}

// MARK: - GB 32100 registration authorities

extension SubjectCode {
  /// A registration authority of GB 32100 (登记管理部门, position 1 of the code) and the type
  /// codes (机构类别, position 2) defined under it.
  public struct RegistrationAuthority: Sendable, Hashable, CustomStringConvertible {
    public let code: Character
    public let name: String
    /// Type code → name of the type.
    public let typeCodes: [Character: String]

    init(_ code: Character, _ name: String, _ typeCodes: [Character: String]) {
      self.code = code
      self.name = name
      self.typeCodes = typeCodes
    }

    /// The authority with this code, or nil if GB 32100 defines none.
    public init?(code: Character) {
      guard let authority = Self.all.first(where: { $0.code == code }) else { return nil }
      self = authority
    }

    /// Whether codes registered by this authority identify government bodies (code `1`).
    public var marksGovernment: Bool { code == "1" }

    /// `"9 工商"`.
    public var description: String { "\(code) \(name)" }

    /// The registration authorities and type codes of GB 32100-2015, Table A.1, with the
    /// later additions A (中央军委改革和编制办公室) and N (农业).
    public static let all: [RegistrationAuthority] = [
      .init("1", "机构编制", ["1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"]),
      .init("2", "外交", ["1": "外国常驻新闻机构", "9": "其他"]),
      .init(
        "3", "司法行政",
        ["1": "律师执业机构", "2": "公证处", "3": "基层法律服务所", "4": "司法鉴定机构", "5": "仲裁委员会", "9": "其他"]),
      .init("4", "文化", ["1": "外国在华文化中心", "9": "其他"]),
      .init("5", "民政", ["1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"]),
      .init("6", "旅游", ["1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"]),
      .init("7", "宗教", ["1": "宗教活动场所", "2": "宗教院校", "9": "其他"]),
      .init("8", "工会", ["1": "基层工会", "9": "其他"]),
      .init("9", "工商", ["1": "企业", "2": "个体工商户", "3": "农民专业合作社"]),
      .init("A", "中央军委改革和编制办公室", ["1": "军队事业单位", "9": "其他"]),
      .init("N", "农业", ["1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"]),
      .init("Y", "其他", ["1": "其他"]),
    ]
  }
}

// MARK: - Parsing

extension SubjectCode {
  private struct Parsed {
    var kind: SubjectKind
    var warnings: [String] = []
    var birthDate: LocalDate? = nil
    var passesCheckCharacter: Bool
  }

  private static let zero = UInt8(ascii: "0")
  private static let nine = UInt8(ascii: "9")
  private static let capitalX = UInt8(ascii: "X")

  private static func isDigit(_ c: UInt8) -> Bool { c >= zero && c <= nine }

  private static func isLetter(_ c: UInt8) -> Bool {
    (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
      || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
  }

  private static func string(_ bytes: ArraySlice<UInt8>) -> String {
    String(decoding: bytes, as: UTF8.self)
  }

  private static func number(_ bytes: ArraySlice<UInt8>) -> Int {
    bytes.reduce(0) { $0 * 10 + Int($1 - zero) }
  }

  /// Trims, checks for 18 ASCII letters and digits, uppercases.
  private static func normalise(_ text: String) throws(SubjectCodeError) -> [UInt8] {
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    var count = 0
    for character in trimmed {
      count += 1
      if character.isWhitespace {
        throw SubjectCodeError(
          code: .characters,
          reason: "contains whitespace at position \(count); only whitespace around the code is ignored")
      }
    }
    guard count == 18 else {
      throw SubjectCodeError(code: .length, reason: "must be 18 characters, got \(count)")
    }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(18)
    for (index, character) in trimmed.enumerated() {
      guard let ascii = character.asciiValue, isDigit(ascii) || isLetter(ascii) else {
        throw SubjectCodeError(
          code: .characters,
          reason: "position \(index + 1) holds a character that is not an ASCII digit or letter")
      }
      bytes.append(isLetter(ascii) && ascii >= UInt8(ascii: "a") ? ascii - 32 : ascii)
    }
    return bytes
  }

  /// Positions 7–8 are the century of a person's birth year.
  private static func hasBirthCentury(_ b: [UInt8]) -> Bool {
    guard b[6] == UInt8(ascii: "1") || b[6] == UInt8(ascii: "2") else { return false }
    return b[6] == UInt8(ascii: "1")
      ? (b[7] == UInt8(ascii: "8") || b[7] == UInt8(ascii: "9")) : b[7] == zero
  }

  private static func hasPersonCheckCharacterClass(_ b: [UInt8]) -> Bool {
    isDigit(b[17]) || b[17] == capitalX
  }

  private static func classifyAndParse(
    _ b: [UInt8], today: LocalDate
  ) throws(SubjectCodeError) -> Parsed {
    // Rule 1: the shape of a citizen identity number.
    if b[0..<17].allSatisfy(isDigit), hasPersonCheckCharacterClass(b), hasBirthCentury(b) {
      return try parsePerson(b, today: today)
    }
    // Rule 2: a GB 32100 code that passes its check.
    let organisation: Result<Parsed, SubjectCodeError>
    do throws(SubjectCodeError) {
      organisation = .success(try parseOrganisation(b))
    } catch {
      organisation = .failure(error)
    }
    if case .success(let parsed) = organisation, parsed.passesCheckCharacter { return parsed }
    // Rule 3: a citizen identity number with a letter among its digits.
    if b[0..<8].allSatisfy(isDigit), hasBirthCentury(b) {
      return try parsePerson(b, today: today)  // throws: a letter in positions 9–18
    }
    // Rule 4.
    return try organisation.get()
  }

  /// GB 11643: region (6 digits), birth date (YYYYMMDD), sequence (3 digits), check (0-9X).
  private static func parsePerson(_ b: [UInt8], today: LocalDate) throws(SubjectCodeError) -> Parsed {
    func fail(_ code: SubjectCodeError.Code, _ reason: String) -> SubjectCodeError {
      SubjectCodeError(code: code, reason: reason, interpretedAs: .person)
    }
    if let index = b[0..<17].firstIndex(where: { !isDigit($0) }) {
      throw fail(
        .characters,
        "position \(index + 1) holds a letter; a citizen identity number (GB 11643) has digits "
          + "in positions 1–17")
    }
    guard hasPersonCheckCharacterClass(b) else {
      throw fail(
        .characters,
        "position 18 holds a letter other than X; the check character of a citizen identity "
          + "number is a digit or X")
    }
    let province = string(b[0..<2])
    guard Province.isProvinceCode(province) else {
      throw fail(.province, "province code \(province) (positions 1–2) is not a GB/T 2260 province")
    }
    let shown = "\(string(b[6..<10]))-\(string(b[10..<12]))-\(string(b[12..<14]))"
    guard
      let birthDate = LocalDate(
        year: number(b[6..<10]), month: number(b[10..<12]), day: number(b[12..<14]))
    else {
      throw fail(.birthDate, "birth date \(shown) is not a real date")
    }
    guard birthDate >= earliestBirthDate else {
      throw fail(.birthDate, "birth date \(shown) is before \(earliestBirthDate)")
    }
    guard birthDate <= today else {
      throw fail(.birthDate, "birth date is in the future")
    }
    guard personCheckCharacter(b) == b[17] else {
      throw fail(.checkCharacter, "check character is wrong (expected per ISO 7064 MOD 11-2)")
    }
    return Parsed(kind: .person, birthDate: birthDate, passesCheckCharacter: true)
  }

  /// ISO 7064 MOD 11-2 over positions 1–17 (weights 2^(17-i) mod 11).
  static func personCheckCharacter(_ b: [UInt8]) -> UInt8 {
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    var sum = 0
    for i in 0..<17 { sum += Int(b[i] - zero) * weights[i] }
    return Array("10X98765432".utf8)[sum % 11]
  }

  /// The 31 characters of GB 32100, in the order of their values 0–30.
  private static let organisationAlphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)
  private static let excludedLetters = Array("IOSVZ".utf8)

  /// GB 32100: registration authority, type, region (6 digits), organisation code (9), check.
  private static func parseOrganisation(_ b: [UInt8]) throws(SubjectCodeError) -> Parsed {
    func fail(_ code: SubjectCodeError.Code, _ reason: String) -> SubjectCodeError {
      SubjectCodeError(code: code, reason: reason, interpretedAs: .organisation)
    }
    if let index = b.firstIndex(where: { excludedLetters.contains($0) }) {
      throw fail(
        .characters,
        "position \(index + 1) holds the letter \(Character(Unicode.Scalar(b[index]))), which GB 32100 "
          + "does not use (I, O, S, V and Z are excluded)")
    }
    let authorityCode = Character(Unicode.Scalar(b[0]))
    guard let authority = RegistrationAuthority(code: authorityCode) else {
      throw fail(
        .registrationAuthority,
        "registration-authority code \(authorityCode) (position 1) is not one GB 32100 defines")
    }
    let typeCode = Character(Unicode.Scalar(b[1]))
    guard authority.typeCodes[typeCode] != nil else {
      let allowed = authority.typeCodes.keys.sorted().map(String.init).joined(separator: ", ")
      throw fail(
        .typeCode,
        "type code \(typeCode) (position 2) is not defined for registration authority "
          + "\(authority.code) (\(authority.name)); GB 32100 allows \(allowed)")
    }
    if let index = b[2..<8].firstIndex(where: { !isDigit($0) }) {
      throw fail(
        .characters,
        "position \(index + 1) holds a letter; the region code of a unified social credit code "
          + "(positions 3–8) is six digits")
    }
    let province = string(b[2..<4])
    guard Province.isProvinceCode(province) else {
      throw fail(.province, "province code \(province) (positions 3–4) is not a GB/T 2260 province")
    }
    let passes = organisationCheckCharacter(b) == b[17]
    return Parsed(
      kind: authority.marksGovernment ? .government : .organisation,
      warnings: passes ? [] : [earlyOrganisationCodeWarning],
      passesCheckCharacter: passes)
  }

  /// GB 32100 MOD 31 over positions 1–17 (weights 3^(i-1) mod 31). The characters must be in
  /// `organisationAlphabet`.
  static func organisationCheckCharacter(_ b: [UInt8]) -> UInt8 {
    var sum = 0
    var weight = 1
    for i in 0..<17 {
      sum += organisationAlphabet.firstIndex(of: b[i])! * weight
      weight = weight * 3 % 31
    }
    return organisationAlphabet[(31 - sum % 31) % 31]
  }
}
