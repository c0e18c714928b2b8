import CreditGateCore
import Testing

/// `SubjectRegistration.validate` (DESIGN §2, §3) as a table: one registration per rule, each
/// item answered on its own with the exact code, field and reason of a refusal.
@Suite("SubjectRegistration.validate")
struct SubjectRegistrationTests {
  /// Registers persons only, like the population registry.
  static let registry = Institution(
    id: "test-population-registry", name: "测试人口库", roles: [.provider], categories: ["identity"],
    registers: [.person])
  /// Registers every kind of subject, like the public data platform.
  static let platform = Institution(
    id: "test-data-platform", name: "测试公共数据平台", roles: [.provider], registers: Set(SubjectKind.allCases))
  /// Registers nothing.
  static let court = Institution(
    id: "test-court", name: "测试法院", roles: [.provider], categories: ["dishonest-judgment-debtor"])

  /// An organisation code whose MOD 31 check character is wrong: accepted, with a warning.
  static let earlyOrganisation = "91330106MA2B00001A"
  static let warning = SubjectCode.earlyOrganisationCodeWarning
  static let longName = String(repeating: "名", count: 200)

  /// What one item must be answered with.
  enum Expected: Sendable {
    case accepted(Subject, warnings: [String] = [])
    /// `reason` nil: the subject code parser's own reason for the code sent.
    case refused(
      GatewayError.Code = .invalidArgument, field: String, reason: String?, subjectCode: String,
      warnings: [String] = [])
  }

  struct Row: Sendable, CustomTestStringConvertible {
    var label: String
    var provider = SubjectRegistrationTests.platform
    var items: [SubjectRegistration.Item]
    var expected: [Expected]
    var testDescription: String { label }
  }

  static func item(_ code: String, _ name: String = "王芳") -> SubjectRegistration.Item {
    .init(subjectCode: code, name: name)
  }

  static let rows: [Row] = [
    // Which kinds a provider may register.
    Row(label: "a person by the registry", provider: registry, items: [item(Codes.person)],
        expected: [.accepted(Subject(code: Codes.person, kind: .person, name: "王芳"))]),
    Row(label: "an organisation by the registry", provider: registry, items: [item(Codes.organisation)],
        expected: [.refused(.permissionDenied, field: "subjects[0].subject_code",
                            reason: "provider may not register a organisation", subjectCode: Codes.organisation)]),
    Row(label: "a government body by the registry", provider: registry, items: [item(Codes.government)],
        expected: [.refused(.permissionDenied, field: "subjects[0].subject_code",
                            reason: "provider may not register a government", subjectCode: Codes.government)]),
    Row(label: "a person by a provider that registers nothing", provider: court, items: [item(Codes.person)],
        expected: [.refused(.permissionDenied, field: "subjects[0].subject_code",
                            reason: "provider may not register a person", subjectCode: Codes.person)]),
    Row(label: "every kind by the data platform",
        items: [item(Codes.person), item(Codes.organisation, "某公司"), item(Codes.government, "某局")],
        expected: [
          .accepted(Subject(code: Codes.person, kind: .person, name: "王芳")),
          .accepted(Subject(code: Codes.organisation, kind: .organisation, name: "某公司")),
          .accepted(Subject(code: Codes.government, kind: .government, name: "某局")),
        ]),

    // The code.
    Row(label: "an empty code", items: [item("")],
        expected: [.refused(field: "subjects[0].subject_code", reason: "is required", subjectCode: "")]),
    Row(label: "a wrong check character, answered with the code as sent", items: [item("330106199001011231")],
        expected: [.refused(field: "subjects[0].subject_code", reason: nil, subjectCode: "330106199001011231")]),
    Row(label: "a code too short", items: [item("3301061990")],
        expected: [.refused(field: "subjects[0].subject_code", reason: nil, subjectCode: "3301061990")]),
    Row(label: "a code with spaces and a lowercase x is answered and stored normalised",
        items: [item(" 33010619900101123x ")],
        expected: [.accepted(Subject(code: Codes.person, kind: .person, name: "王芳"))]),
    Row(label: "an early organisation code: accepted with its warning",
        items: [item(earlyOrganisation, "早期登记企业")],
        expected: [.accepted(Subject(code: earlyOrganisation, kind: .organisation, name: "早期登记企业"),
                             warnings: [warning])]),
    Row(label: "an early organisation code refused for its kind still carries its warning", provider: registry,
        items: [item(earlyOrganisation, "早期登记企业")],
        expected: [.refused(.permissionDenied, field: "subjects[0].subject_code",
                            reason: "provider may not register a organisation", subjectCode: earlyOrganisation,
                            warnings: [warning])]),

    // The name.
    Row(label: "an empty name", items: [item(Codes.person, "")],
        expected: [.refused(field: "subjects[0].name", reason: "is required", subjectCode: Codes.person)]),
    Row(label: "a name of blanks and newlines", items: [item(Codes.person, " \n\t ")],
        expected: [.refused(field: "subjects[0].name", reason: "is required", subjectCode: Codes.person)]),
    Row(label: "a name with blanks around it is trimmed and accepted",
        items: [item(Codes.person, "  \(longName)\n")],
        expected: [.accepted(Subject(code: Codes.person, kind: .person, name: longName))]),
    Row(label: "the kind is checked before the name", provider: registry, items: [item(Codes.organisation, "")],
        expected: [.refused(.permissionDenied, field: "subjects[0].subject_code",
                            reason: "provider may not register a organisation", subjectCode: Codes.organisation)]),

    // Results per item.
    Row(label: "each item on its own, its field naming its index",
        provider: registry, items: [item(Codes.person), item(Codes.organisation), item("330106199001011231")],
        expected: [
          .accepted(Subject(code: Codes.person, kind: .person, name: "王芳")),
          .refused(.permissionDenied, field: "subjects[1].subject_code",
                   reason: "provider may not register a organisation", subjectCode: Codes.organisation),
          .refused(field: "subjects[2].subject_code", reason: nil, subjectCode: "330106199001011231"),
        ]),
    Row(label: "a code twice: the second is refused", items: [item(Codes.person), item(Codes.person, "王芳芳")],
        expected: [
          .accepted(Subject(code: Codes.person, kind: .person, name: "王芳")),
          .refused(field: "subjects[1].subject_code", reason: "appears twice in this request", subjectCode: Codes.person),
        ]),
    Row(label: "the same code written two ways is the same code",
        items: [item("33010619900101123x"), item(Codes.person)],
        expected: [
          .accepted(Subject(code: Codes.person, kind: .person, name: "王芳")),
          .refused(field: "subjects[1].subject_code", reason: "appears twice in this request", subjectCode: Codes.person),
        ]),
    Row(label: "a refused item does not count as the first: the next one with its code is accepted",
        items: [item(Codes.person, ""), item(Codes.person)],
        expected: [
          .refused(field: "subjects[0].name", reason: "is required", subjectCode: Codes.person),
          .accepted(Subject(code: Codes.person, kind: .person, name: "王芳")),
        ]),
    Row(label: "no items, no results", items: [], expected: []),
  ]

  @Test("each item is answered on its own", arguments: rows)
  func registration(_ row: Row) {
    let results = SubjectRegistration(row.items).validate(provider: row.provider)
    #expect(results.count == row.expected.count)
    for (index, (result, expected)) in zip(results, row.expected).enumerated() {
      switch expected {
      case let .accepted(subject, warnings):
        #expect(result.outcome == .success(subject), "item \(index)")
        #expect(result.subjectCode == subject.code, "item \(index)")
        #expect(result.warnings == warnings, "item \(index)")
      case let .refused(code, field, reason, subjectCode, warnings):
        guard case .failure(let error) = result.outcome else {
          Issue.record("item \(index) was accepted: \(result.outcome)")
          continue
        }
        #expect(error.code == code, "item \(index)")
        #expect(error.field == field, "item \(index)")
        #expect(error.reason == reason ?? Self.parseReason(row.items[index].subjectCode), "item \(index)")
        #expect(result.subjectCode == subjectCode, "item \(index)")
        #expect(result.warnings == warnings, "item \(index)")
        // Reasons reach the caller and the audit log: never a subject code (DESIGN §2, STYLE 7).
        #expect(!error.message.contains(row.items[index].subjectCode) || row.items[index].subjectCode.isEmpty)
      }
    }
  }

  /// Why the subject code parser refuses `code`.
  static func parseReason(_ code: String) -> String? {
    do {
      _ = try SubjectCode(parsing: code)
      return nil
    } catch {
      return error.reason
    }
  }
}
