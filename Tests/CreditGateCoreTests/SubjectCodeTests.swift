import CreditGateCore
import Foundation
import Testing

// Check characters in this file were computed independently of the code under test, e.g.
//   GB 11643 (ISO 7064 MOD 11-2):
//     python3 -c 'c="11010519491231002"; print("10X98765432"[sum(int(d)*w for d,w in
//       zip(c,[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2]))%11])'        # -> X
//   GB 32100 (MOD 31):
//     python3 -c 'A="0123456789ABCDEFGHJKLMNPQRTUWXY"; c="91350100M000100Y4";
//       print(A[(31-sum(A.index(x)*pow(3,i,31) for i,x in enumerate(c))%31)%31])'  # -> 3

/// A fixed "today" so birth-date tests do not depend on the clock.
private let today = LocalDate(year: 2026, month: 1, day: 1)!

private func parse(_ text: String, expecting: SubjectKind? = nil) throws(SubjectCodeError)
  -> SubjectCode
{
  try SubjectCode(parsing: text, expecting: expecting, today: today)
}

/// The error parsing `text` throws, or nil (recording an issue) if it is accepted.
private func rejection(_ text: String, expecting: SubjectKind? = nil) -> SubjectCodeError? {
  do {
    let code = try parse(text, expecting: expecting)
    Issue.record("accepted \(code) but expected a rejection")
    return nil
  } catch {
    return error
  }
}

/// Replaces the character at `position` (1-based).
private func replacing(_ text: String, at position: Int, with character: Character) -> String {
  var characters = Array(text)
  characters[position - 1] = character
  return String(characters)
}

struct ValidCase: Sendable, CustomTestStringConvertible {
  var text: String
  var kind: SubjectKind
  var region: String
  var birthDate: LocalDate?
  var testDescription: String { "\(kind.rawValue) \(region)" }
}

struct InvalidCase: Sendable, CustomTestStringConvertible {
  var name: String
  var text: String
  var code: SubjectCodeError.Code
  var interpretedAs: SubjectKind?
  /// A fragment the reason must contain.
  var reason: String
  var expecting: SubjectKind? = nil
  var testDescription: String { name }
}

@Suite("SubjectCode")
struct SubjectCodeTests {
  // MARK: Accepted codes

  static let validCodes: [ValidCase] = [
    // GB 11643's own example.
    .init(
      text: "11010519491231002X", kind: .person, region: "110105",
      birthDate: LocalDate(year: 1949, month: 12, day: 31)),
    .init(
      text: "33010619900101123X", kind: .person, region: "330106",
      birthDate: LocalDate(year: 1990, month: 1, day: 1)),
    .init(
      text: "330102198506150040", kind: .person, region: "330102",
      birthDate: LocalDate(year: 1985, month: 6, day: 15)),
    .init(
      text: "330203197803025518", kind: .person, region: "330203",
      birthDate: LocalDate(year: 1978, month: 3, day: 2)),
    // Different first two digits, so swapped weights in positions 1–2 would show.
    .init(
      text: "51010419920315001X", kind: .person, region: "510104",
      birthDate: LocalDate(year: 1992, month: 3, day: 15)),
    .init(
      text: "620102198807070027", kind: .person, region: "620102",
      birthDate: LocalDate(year: 1988, month: 7, day: 7)),
    .init(
      text: "65010420051231001X", kind: .person, region: "650104",
      birthDate: LocalDate(year: 2005, month: 12, day: 31)),
    // Birth-date edges: today itself, the earliest accepted date, 29 February of a leap year.
    .init(
      text: "110105202601010019", kind: .person, region: "110105",
      birthDate: LocalDate(year: 2026, month: 1, day: 1)),
    .init(
      text: "110105185001010013", kind: .person, region: "110105",
      birthDate: LocalDate(year: 1850, month: 1, day: 1)),
    .init(
      text: "110105200002290013", kind: .person, region: "110105",
      birthDate: LocalDate(year: 2000, month: 2, day: 29)),
    // GB 32100's own example (工商, 企业).
    .init(text: "91350100M000100Y43", kind: .organisation, region: "350100"),
    .init(text: "91330106MA2B00001Y", kind: .organisation, region: "330106"),
    // 机构编制, 机关: a government body.
    .init(text: "11330100MB0000012X", kind: .government, region: "330100"),
  ]

  @Test("accepts valid codes", arguments: validCodes)
  func acceptsValidCode(_ valid: ValidCase) throws {
    let code = try parse(valid.text)
    #expect(code.value == valid.text)
    #expect(code.kind == valid.kind)
    #expect(code.regionCode == valid.region)
    #expect(code.provinceCode == String(valid.region.prefix(2)))
    #expect(code.province.code == code.provinceCode)
    #expect(code.birthDate == valid.birthDate)
    #expect(code.warnings.isEmpty)
    #expect(code.passesCheckCharacter)
  }

  @Test("parts of a person's code")
  func personParts() throws {
    let code = try parse("11010519491231002X")
    #expect(code.province.name == "北京市")
    #expect(code.registrationAuthority == nil)
    #expect(code.registrationAuthorityCode == nil)
    #expect(code.typeCode == nil)
    #expect(code.organisationCode == nil)
  }

  @Test("parts of an organisation's code")
  func organisationParts() throws {
    let code = try parse("91350100M000100Y43")
    #expect(code.registrationAuthorityCode == "9")
    #expect(code.registrationAuthority?.name == "工商")
    #expect(code.typeCode == "1")
    #expect(code.organisationCode == "M000100Y4")
    #expect(code.province.name == "福建省")
  }

  @Test("registration-authority code 1 marks a government body; others do not")
  func governmentDetection() throws {
    let government = try parse("11330100MB0000012X")
    #expect(government.kind == .government)
    #expect(government.registrationAuthority?.marksGovernment == true)
    #expect(government.registrationAuthority?.name == "机构编制")

    let organisation = try parse("91330106MA2B00001Y")
    #expect(organisation.kind == .organisation)
    #expect(organisation.registrationAuthority?.marksGovernment == false)
  }

  // MARK: Normalisation

  @Test(
    "trims surrounding whitespace and uppercases",
    arguments: [
      ("11010519491231002x", "11010519491231002X"),
      ("  11010519491231002X\n", "11010519491231002X"),
      ("\t33010619900101123x ", "33010619900101123X"),
      ("\u{3000}330102198506150040\u{3000}", "330102198506150040"),  // ideographic spaces
      ("91350100m000100y43", "91350100M000100Y43"),
    ])
  func normalises(_ input: String, _ normalised: String) throws {
    let code = try parse(input)
    #expect(code.value == normalised)
  }

  // MARK: Early organisation codes

  @Test(
    "an organisation code failing MOD 31 is accepted with a warning",
    arguments: [
      ("91350100M000100Y44", SubjectKind.organisation),
      ("91330106MA2B00001X", .organisation),
      ("11330100MB00000121", .government),
    ])
  func earlyOrganisationCode(_ text: String, _ kind: SubjectKind) throws {
    let code = try parse(text)
    #expect(code.kind == kind)
    #expect(code.warnings == [SubjectCode.earlyOrganisationCodeWarning])
    #expect(code.warnings.first?.contains("MOD 31") == true)
    #expect(code.passesCheckCharacter == false)
    #expect(code.value == text)
  }

  // MARK: Rejected codes

  static let invalidCodes: [InvalidCase] = [
    .init(name: "empty", text: "", code: .length, reason: "must be 18 characters, got 0"),
    .init(name: "only whitespace", text: "  \n", code: .length, reason: "got 0"),
    .init(
      name: "17 characters", text: "11010519491231002", code: .length,
      reason: "must be 18 characters, got 17"),
    .init(
      name: "19 characters", text: "11010519491231002X1", code: .length,
      reason: "must be 18 characters, got 19"),
    .init(
      name: "internal space", text: "110105 19491231002X", code: .characters,
      reason: "whitespace at position 7"),
    .init(
      name: "internal tab, 18 characters", text: "1101051949\t231002X", code: .characters,
      reason: "whitespace at position 11"),
    .init(
      name: "full-width digit", text: "１1010519491231002X", code: .characters,
      reason: "position 1 holds a character that is not an ASCII digit or letter"),
    .init(
      name: "punctuation", text: "110105-9491231002X", code: .characters,
      reason: "position 7 holds a character that is not an ASCII digit or letter"),
    .init(
      name: "letter in a person's digits", text: "110105194912310A2X", code: .characters,
      interpretedAs: .person, reason: "position 16 holds a letter"),
    .init(
      name: "letter in a person's sequence number", text: "1101051949123I002X", code: .characters,
      interpretedAs: .person, reason: "position 14 holds a letter"),
    .init(
      name: "person's check character a letter other than X", text: "11010519491231002A",
      code: .characters, interpretedAs: .person, reason: "position 18"),
    .init(
      name: "person in province 99", text: "990105194912310021", code: .province,
      interpretedAs: .person, reason: "province code 99 (positions 1–2) is not a GB/T 2260 province"),
    .init(
      name: "person in province 10", text: "100105194912310021", code: .province,
      interpretedAs: .person, reason: "province code 10 "),
    .init(
      name: "30 February", text: "11010519900230001X", code: .birthDate, interpretedAs: .person,
      reason: "birth date 1990-02-30 is not a real date"),
    .init(
      name: "month 13", text: "110105190013010017", code: .birthDate, interpretedAs: .person,
      reason: "birth date 1900-13-01 is not a real date"),
    .init(
      name: "29 February 1900", text: "110105190002290017", code: .birthDate,
      interpretedAs: .person, reason: "birth date 1900-02-29 is not a real date"),
    .init(
      name: "day 00", text: "110105199001000011", code: .birthDate, interpretedAs: .person,
      reason: "is not a real date"),
    .init(
      name: "born tomorrow", text: "110105202601020014", code: .birthDate, interpretedAs: .person,
      reason: "birth date is in the future"),
    .init(
      name: "born before 1850", text: "110105184912310012", code: .birthDate,
      interpretedAs: .person, reason: "is before 1850-01-01"),
    .init(
      name: "organisation in province 99", text: "91990100M000100Y4U", code: .province,
      interpretedAs: .organisation,
      reason: "province code 99 (positions 3–4) is not a GB/T 2260 province"),
    .init(
      name: "letter in an organisation's region code", text: "9135A100M000100Y43",
      code: .characters, interpretedAs: .organisation, reason: "position 5 holds a letter"),
    .init(
      name: "unknown registration authority B", text: "B1350100M000100Y41",
      code: .registrationAuthority, interpretedAs: .organisation,
      reason: "registration-authority code B (position 1) is not one GB 32100 defines"),
    .init(
      name: "unknown registration authority 0", text: "01350100M000100Y43",
      code: .registrationAuthority, interpretedAs: .organisation, reason: "code 0 (position 1)"),
    .init(
      name: "type code 4 under 工商", text: "94350100M000100Y4R", code: .typeCode,
      interpretedAs: .organisation,
      reason: "type code 4 (position 2) is not defined for registration authority 9 (工商); GB 32100 allows 1, 2, 3"),
    .init(
      name: "type code 9 under 工商", text: "99350100M000100Y43", code: .typeCode,
      interpretedAs: .organisation, reason: "type code 9 (position 2)"),
    .init(
      name: "type code 2 under 其他", text: "Y2350100M000100Y43", code: .typeCode,
      interpretedAs: .organisation, reason: "allows 1"),
    // Decision: a code of a person's shape is read as a person unless the caller says otherwise.
    .init(
      name: "all-digit organisation code of a person's shape, no hint", text: "111101190000123458",
      code: .birthDate, interpretedAs: .person, reason: "birth date 1900-00-12 is not a real date"),
    // Decision: a person's code with a letter that also fails MOD 31 is not an "early" code.
    .init(
      name: "person-like code with a letter failing MOD 31", text: "3311021990A1011238",
      code: .characters, interpretedAs: .person, reason: "position 11 holds a letter"),
    .init(
      name: "expecting a person, got an organisation", text: "91350100M000100Y43",
      code: .characters, interpretedAs: .person, reason: "position 9 holds a letter",
      expecting: .person),
    .init(
      name: "expecting a government body, got a company", text: "91350100M000100Y43",
      code: .registrationAuthority, interpretedAs: .organisation,
      reason: "registration-authority code 9 (工商) does not mark a government body",
      expecting: .government),
    .init(
      name: "expecting an organisation, got a person", text: "11010519491231002X",
      code: .province, interpretedAs: .organisation, reason: "province code 01 (positions 3–4)",
      expecting: .organisation),
  ]

  @Test("rejects invalid codes, naming the part and the reason", arguments: invalidCodes)
  func rejectsInvalidCode(_ invalid: InvalidCase) throws {
    let error = try #require(rejection(invalid.text, expecting: invalid.expecting))
    #expect(error.code == invalid.code)
    #expect(error.interpretedAs == invalid.interpretedAs)
    #expect(error.reason.contains(invalid.reason), "reason: \(error.reason)")
    #expect(error.description == "invalid subject code (\(invalid.code)): \(error.reason)")
  }

  static let forbiddenLetters: [Character] = ["I", "O", "S", "V", "Z"]

  @Test("organisation codes may not contain I, O, S, V or Z", arguments: forbiddenLetters, [9, 16, 18])
  func organisationForbiddenLetter(_ letter: Character, _ position: Int) throws {
    let text = replacing("91350100M000100Y43", at: position, with: letter)
    let error = try #require(rejection(text))
    #expect(error.code == .characters)
    #expect(error.interpretedAs == .organisation)
    #expect(
      error.reason
        == "position \(position) holds the letter \(letter), which GB 32100 does not use (I, O, S, V and Z are excluded)"
    )
  }

  @Test("a forbidden letter is rejected in lowercase too")
  func lowercaseForbiddenLetter() throws {
    let error = try #require(rejection("91350100o000100Y43"))
    #expect(error.code == .characters)
    #expect(error.reason.contains("the letter O"))
  }

  /// Every wrong check character (0–9 and X) of every valid person vector.
  static let wrongPersonCheckCharacters: [String] = validCodes.filter { $0.kind == .person }.flatMap {
    valid in
    "0123456789X".filter { $0 != valid.text.last }.map { replacing(valid.text, at: 18, with: $0) }
  }

  @Test("rejects every wrong MOD 11-2 check character", arguments: wrongPersonCheckCharacters)
  func wrongPersonCheckCharacter(_ text: String) throws {
    let error = try #require(rejection(text))
    #expect(error.code == .checkCharacter)
    #expect(error.interpretedAs == .person)
    #expect(error.reason == "check character is wrong (expected per ISO 7064 MOD 11-2)")
  }

  @Test("the wrong check character cases cover 10 per vector")
  func wrongCheckCharacterCount() {
    #expect(Self.wrongPersonCheckCharacters.count == 10 * 10)
    #expect(Set(Self.wrongPersonCheckCharacters).count == 10 * 10)
  }

  // MARK: Ambiguity between the two standards

  @Test("an all-digit organisation code of a person's shape is accepted when the caller expects an organisation")
  func expectingOrganisationResolvesAmbiguity() throws {
    let code = try parse("111101190000123458", expecting: .organisation)
    #expect(code.kind == .government)
    #expect(code.regionCode == "110119")
    #expect(code.passesCheckCharacter)
    #expect(code.birthDate == nil)
  }

  @Test("a person-like code with a letter that passes MOD 31 is an organisation")
  func personLikeCodePassingMod31IsOrganisation() throws {
    let code = try parse("3311021990A1011239")
    #expect(code.kind == .organisation)
    #expect(code.registrationAuthority?.name == "司法行政")
    #expect(code.regionCode == "110219")
    #expect(code.warnings.isEmpty)
  }

  @Test("expectations that match are honoured", arguments: [
    ("11010519491231002X", SubjectKind.person, SubjectKind.person),
    ("11330100MB0000012X", .government, .government),
    ("11330100MB0000012X", .organisation, .government),
    ("91350100M000100Y43", .organisation, .organisation),
  ])
  func expectationsThatMatch(_ text: String, _ expected: SubjectKind, _ kind: SubjectKind) throws {
    #expect(try parse(text, expecting: expected).kind == kind)
  }

  // MARK: Never echoing the code

  /// Every 6-character stretch of the normalised code.
  private static func windows(of text: String) -> [String] {
    let normalised = Array(text.trimmingCharacters(in: .whitespacesAndNewlines).uppercased())
    guard normalised.count >= 6 else { return normalised.isEmpty ? [] : [String(normalised)] }
    return (0...(normalised.count - 6)).map { String(normalised[$0..<($0 + 6)]) }
  }

  static let allRejected: [InvalidCase] =
    invalidCodes.filter { !$0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
    + wrongPersonCheckCharacters.map {
      InvalidCase(name: $0, text: $0, code: .checkCharacter, reason: "")
    }
    + forbiddenLetters.map {
      let text = replacing("91350100M000100Y43", at: 9, with: $0)
      return InvalidCase(name: text, text: text, code: .characters, reason: "")
    }

  @Test("no error reason or description contains the code", arguments: allRejected)
  func errorsDoNotEchoTheCode(_ invalid: InvalidCase) throws {
    let text = invalid.text
    let error = try #require(rejection(text, expecting: invalid.expecting))
    #expect(error.code == invalid.code)
    let printed = [
      error.reason, error.description, String(describing: error), String(reflecting: error),
      "\(error)", error.gatewayError().description,
    ]
    for window in Self.windows(of: text) {
      for output in printed {
        #expect(!output.contains(window), "\(output) contains part of the code")
      }
    }
    #expect(!printed.joined().contains(text))
  }

  @Test("printing an accepted code shows it masked", arguments: validCodes)
  func printingMasks(_ valid: ValidCase) throws {
    let code = try parse(valid.text)
    let masked = String(valid.text.prefix(6)) + "***********" + String(valid.text.suffix(1))
    #expect(code.masked == masked)
    #expect(code.description == "\(valid.kind.rawValue) \(masked)")
    var dumped = ""
    dump(code, to: &dumped)
    let printed = [
      code.description, code.debugDescription, String(describing: code), String(reflecting: code),
      "\(code)", dumped, String(describing: [code]),
    ]
    for output in printed {
      #expect(!output.contains(valid.text), "\(output) contains the code")
      #expect(!output.contains(valid.text.dropFirst(6).prefix(11)), "\(output) contains the middle")
    }
    #expect(dumped.contains(masked))
  }

  // MARK: Errors for the gateway

  @Test("a rejection maps to INVALID_ARGUMENT on the request field")
  func gatewayError() throws {
    let error = try #require(rejection("990105194912310021"))
    let gateway = error.gatewayError()
    #expect(gateway.code == .invalidArgument)
    #expect(gateway.field == "subject_code")
    #expect(gateway.reason == error.reason)
    #expect(error.gatewayError(field: "subjects[2].subject_code").field == "subjects[2].subject_code")
  }

  @Test(
    "error codes print as field-like names",
    arguments: [
      (SubjectCodeError.Code.length, "length"), (.characters, "characters"),
      (.province, "province"), (.birthDate, "birth_date"), (.checkCharacter, "check_character"),
      (.registrationAuthority, "registration_authority"), (.typeCode, "type_code"),
    ])
  func errorCodeNames(_ code: SubjectCodeError.Code, _ name: String) {
    #expect(code.description == name)
  }

  // MARK: Dates

  @Test(
    "today is the date in China (UTC+8)",
    arguments: [
      (1_767_196_799.0, LocalDate(year: 2025, month: 12, day: 31)!),  // 2025-12-31T15:59:59Z
      (1_767_196_800.0, LocalDate(year: 2026, month: 1, day: 1)!),  // 2025-12-31T16:00:00Z
    ])
  func todayInChina(_ seconds: Double, _ date: LocalDate) {
    #expect(LocalDate.todayInChina(now: Date(timeIntervalSince1970: seconds)) == date)
  }

  @Test("the default today accepts a birth date of yesterday and rejects one far ahead")
  func defaultToday() throws {
    #expect(try SubjectCode(parsing: "11010519491231002X").kind == .person)
    #expect(throws: SubjectCodeError.self) { try SubjectCode(parsing: "110105209912310013") }
  }

  // MARK: Tables

  @Test("all 34 GB/T 2260 provinces and nothing else")
  func provinces() {
    let expected = [
      "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
      "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
      "65", "71", "81", "82",
    ]
    #expect(Province.all.map(\.code) == expected)
    #expect(Set(Province.all.map(\.name)).count == 34)
    for number in 0...99 {
      let code = number < 10 ? "0\(number)" : "\(number)"
      #expect(Province.isProvinceCode(code) == expected.contains(code), "\(code)")
      #expect((Province(code: code) != nil) == expected.contains(code), "\(code)")
    }
  }

  @Test("the registration authorities of GB 32100 and their type codes")
  func registrationAuthorities() {
    let table = Dictionary(
      uniqueKeysWithValues: SubjectCode.RegistrationAuthority.all.map {
        ($0.code, String($0.typeCodes.keys.sorted()))
      })
    #expect(
      table == [
        "1": "1239", "2": "19", "3": "123459", "4": "19", "5": "1239", "6": "129", "7": "129",
        "8": "19", "9": "123", "A": "19", "N": "1239", "Y": "1",
      ])
    #expect(SubjectCode.RegistrationAuthority.all.filter(\.marksGovernment).map(\.code) == ["1"])
  }

  @Test("every registration authority and type code of the table is accepted", arguments: SubjectCode.RegistrationAuthority.all)
  func everyTypeCodeAccepted(_ authority: SubjectCode.RegistrationAuthority) throws {
    for type in authority.typeCodes.keys {
      let text = "\(authority.code)\(type)330106MA2B00001Y"
      let code = try parse(text)
      #expect(code.registrationAuthorityCode == String(authority.code))
      #expect(code.typeCode == String(type))
      #expect(code.kind == (authority.code == "1" ? .government : .organisation))
    }
  }
}
