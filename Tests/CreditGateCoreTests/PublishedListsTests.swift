@testable import CreditGateCore
import Foundation
import Testing

/// Three small list files written to a fresh temporary folder, edited per test.
private struct ListFiles {
  static let fraud = """
    {"code": "fraud", "name": "诈骗", "subject_kinds": ["person"], "polarity": "trust-breaking",
     "dimension": "law-abiding", "repairable": true,
     "disclosure_days": {"minor": {"min_days": 0, "max_days": 90},
                         "general": {"min_days": 90, "max_days": 365},
                         "serious": {"min_days": 365, "max_days": 1095}}}
    """
  static let honour = """
    {"code": "honour", "name": "荣誉", "subject_kinds": ["person"], "polarity": "trust-keeping",
     "dimension": "morality", "repairable": false,
     "disclosure_days": {"general": {"min_days": 0, "max_days": 1825}}}
    """
  static let loanPurpose = """
    {"code": "loan", "name": "贷款", "kind": "consent", "legal_basis": "测试", "categories": ["fraud"],
     "shows_grade": true}
    """
  static let loanMeasure = """
    {"code": "no-loan", "name": "限制贷款", "purposes": ["loan"],
     "trigger": {"category": "fraud", "min_severity": "serious"}, "effect": "RESTRICTION",
     "description": "测试", "legal_basis": "测试"}
    """

  var categories = [fraud, honour]
  var purposes = [loanPurpose]
  var measures = [loanMeasure]
  /// When set, written instead of the generated file of that name.
  var raw: [String: String] = [:]

  /// Writes the files to a new folder and loads them.
  func load() throws(ListError) -> PublishedLists {
    let directory = FileManager.default.temporaryDirectory
      .appending(path: "creditgate-lists-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let files = [
      PublishedLists.catalogueFile:
        "{\n\"version\": \"test\",\n\"categories\": [\n\(categories.joined(separator: ",\n"))\n]\n}\n",
      PublishedLists.purposesFile: "{\n\"purposes\": [\n\(purposes.joined(separator: ",\n"))\n]\n}\n",
      PublishedLists.measuresFile: "{\n\"measures\": [\n\(measures.joined(separator: ",\n"))\n]\n}\n",
    ].merging(raw) { $1 }
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      for (name, text) in files {
        try Data(text.utf8).write(to: directory.appending(path: name))
      }
    } catch {
      Issue.record("cannot write the test lists: \(error)")
    }
    return try PublishedLists.load(from: directory)
  }
}

/// One malformed set of lists, the file the error must name and a fragment of its problem.
struct MalformedLists: Sendable, CustomTestStringConvertible {
  var name: String
  var file: String
  var problem: String
  var edit: @Sendable (inout ListFilesEdit) -> Void
  var testDescription: String { name }
}

/// The editable part of `ListFiles`, visible to the test table.
struct ListFilesEdit {
  var categories: [String]
  var purposes: [String]
  var measures: [String]
  var raw: [String: String] = [:]
}

@Suite("PublishedLists")
struct PublishedListsTests {
  // MARK: The shipped lists

  static let contractCategories = [
    "identity", "occupation-qualification", "admin-licence", "admin-penalty",
    "dishonest-judgment-debtor", "tax-arrears", "serious-tax-violation", "loan-default",
    "housing-fund-default", "social-insurance-arrears", "exam-cheating", "fraud",
    "serious-traffic-violation", "volunteer-service", "charity", "honour", "commitment-kept",
    "commitment-broken", "judgment-nonperformance", "contract-breach", "procurement-violation",
    "debt-violation", "safety-accountability",
  ]

  static let governmentCategories = [
    "commitment-kept", "commitment-broken", "judgment-nonperformance", "contract-breach",
    "procurement-violation", "debt-violation", "safety-accountability",
  ]

  static let contractPurposes = [
    "civil-servant-recruitment", "cadre-selection", "household-registration", "title-evaluation",
    "awards", "personnel-exam", "special-industry-entry", "enterprise-leadership",
    "admin-licensing", "commercial-loan", "commercial-insurance", "investment", "online-shopping",
    "marriage-employment",
  ]

  @Test("the shipped lists load and are versioned")
  func shippedListsLoad() throws {
    let lists = try TestSupport.shippedLists()
    #expect(!lists.version.isEmpty)
    #expect(!lists.categories.isEmpty)
    #expect(!lists.purposes.isEmpty)
    #expect(!lists.measures.isEmpty)
  }

  @Test("every contract category of DESIGN §4 is in the catalogue", arguments: contractCategories)
  func contractCategory(_ code: String) throws {
    let lists = try TestSupport.shippedLists()
    let category = try #require(lists.category(code))
    #expect(category.code == code)
    #expect(!category.name.isEmpty)
    #expect(!category.subjectKinds.isEmpty)
  }

  @Test("the government-body categories apply to government bodies", arguments: governmentCategories)
  func governmentCategory(_ code: String) throws {
    let category = try #require(try TestSupport.shippedLists().category(code))
    #expect(category.subjectKinds.contains(.government))
    #expect(!category.subjectKinds.contains(.person))
  }

  @Test("every contract purpose of DESIGN §4 is on the application list", arguments: contractPurposes)
  func contractPurpose(_ code: String) throws {
    let purpose = try #require(try TestSupport.shippedLists().purpose(code))
    #expect(!purpose.legalBasis.isEmpty)
    #expect(!purpose.categories.isEmpty)
  }

  @Test("trust-breaking categories have bounds for every severity within the law (国办发〔2025〕22号)")
  func trustBreakingBounds() throws {
    let lists = try TestSupport.shippedLists()
    let trustBreaking = lists.categories.filter { $0.polarity == .trustBreaking }
    #expect(!trustBreaking.isEmpty)
    for category in trustBreaking {
      let minor = try #require(category.disclosure[.minor], "\(category.code)")
      let general = try #require(category.disclosure[.general], "\(category.code)")
      let serious = try #require(category.disclosure[.serious], "\(category.code)")
      // Minor at most 3 months; general 3 months to 1 year; serious 1 to 3 years.
      #expect(minor.minDays >= 0 && minor.maxDays <= 92, "\(category.code)")
      #expect(general.minDays >= 89 && general.maxDays <= 366, "\(category.code)")
      #expect(serious.minDays >= 365 && serious.maxDays <= 1096, "\(category.code)")
    }
  }

  struct PurposeContract: Sendable, CustomTestStringConvertible {
    var code: String
    var kind: PurposeKind
    var categories: [String]
    var showsGrade: Bool
    var testDescription: String { code }
  }

  @Test(
    "the three contract purposes are exactly as DESIGN §4 says",
    arguments: [
      PurposeContract(
        code: "civil-servant-recruitment", kind: .statutory,
        categories: ["exam-cheating", "dishonest-judgment-debtor", "serious-tax-violation", "fraud"],
        showsGrade: false),
      PurposeContract(
        code: "admin-licensing", kind: .statutory,
        categories: [
          "admin-licence", "admin-penalty", "dishonest-judgment-debtor", "tax-arrears",
          "serious-tax-violation", "honour",
        ], showsGrade: true),
      PurposeContract(
        code: "commercial-loan", kind: .consent,
        categories: ["loan-default", "housing-fund-default", "dishonest-judgment-debtor", "tax-arrears", "fraud"],
        showsGrade: true),
    ])
  func purposeContract(_ contract: PurposeContract) throws {
    let purpose = try #require(try TestSupport.shippedLists().purpose(contract.code))
    #expect(purpose.kind == contract.kind)
    #expect(purpose.categories.count == contract.categories.count)
    #expect(Set(purpose.categories) == Set(contract.categories))
    #expect(purpose.showsGrade == contract.showsGrade)
  }

  // MARK: Malformed lists

  @Test("the small test lists load (so each refusal below is due to its one change)")
  func fixtureLoads() throws {
    let lists = try ListFiles().load()
    #expect(lists.version == "test")
    #expect(lists.categories.map(\.code) == ["fraud", "honour"])
    #expect(lists.purpose("loan")?.categories == ["fraud"])
    #expect(lists.measures.map(\.code) == ["no-loan"])
  }

  static let malformed: [MalformedLists] = [
    .init(name: "duplicate category", file: "catalogue.json", problem: "\"fraud\"") {
      $0.categories.append(ListFiles.fraud)
    },
    .init(name: "min_days greater than max_days", file: "catalogue.json", problem: "min_days") {
      $0.categories[1] = ListFiles.honour.replacing(#""min_days": 0"#, with: #""min_days": 2000"#)
    },
    .init(name: "trust-breaking category without bounds", file: "catalogue.json", problem: "\"trap\"") {
      $0.categories.append(
        #"{"code": "trap", "name": "x", "subject_kinds": ["person"], "polarity": "trust-breaking", "dimension": "d", "repairable": true, "disclosure_days": {}}"#
      )
    },
    .init(name: "unknown severity", file: "catalogue.json", problem: "catastrophic") {
      $0.categories[1] = ListFiles.honour.replacing(#""general""#, with: #""catastrophic""#)
    },
    .init(name: "category without polarity", file: "catalogue.json", problem: "polarity") {
      $0.categories[1] = ListFiles.honour.replacing(#""polarity": "trust-keeping","#, with: "")
    },
    .init(name: "duplicate purpose", file: "purposes.json", problem: "\"loan\"") {
      $0.purposes.append(ListFiles.loanPurpose)
    },
    .init(name: "purpose naming an unknown category", file: "purposes.json", problem: "\"palmistry\"") {
      $0.purposes[0] = ListFiles.loanPurpose.replacing(#"["fraud"]"#, with: #"["fraud", "palmistry"]"#)
    },
    .init(name: "measure naming an unknown purpose", file: "measures.json", problem: "\"mortgage\"") {
      $0.measures[0] = ListFiles.loanMeasure.replacing(#"["loan"]"#, with: #"["loan", "mortgage"]"#)
    },
    .init(name: "measure naming an unknown category", file: "measures.json", problem: "\"gambling\"") {
      $0.measures[0] = ListFiles.loanMeasure.replacing(#""category": "fraud""#, with: #""category": "gambling""#)
    },
    .init(name: "broken JSON in the purposes, line 5", file: "purposes.json", problem: "line 5") {
      $0.raw["purposes.json"] = """
        {
          "purposes": [
            {
              "code": "loan",
              "name": "贷款" "kind": "consent",
              "legal_basis": "x", "categories": [], "shows_grade": true
            }
          ]
        }
        """
    },
    .init(name: "broken JSON in the catalogue, line 3", file: "catalogue.json", problem: "line 3") {
      $0.raw["catalogue.json"] = "{\n  \"version\": \"test\",\n  \"categories\": [,]\n}\n"
    },
  ]

  @Test("malformed lists are refused with the file named", arguments: malformed)
  func refusesMalformed(_ malformed: MalformedLists) throws {
    var edit = ListFilesEdit(
      categories: ListFiles().categories, purposes: ListFiles().purposes, measures: ListFiles().measures)
    malformed.edit(&edit)
    let files = ListFiles(
      categories: edit.categories, purposes: edit.purposes, measures: edit.measures, raw: edit.raw)
    let error = #expect(throws: ListError.self) { try files.load() }
    #expect(error?.file.hasSuffix(malformed.file) == true, "\(String(describing: error))")
    #expect(error?.description.contains(malformed.file) == true, "\(String(describing: error))")
    #expect(error?.description.contains(malformed.problem) == true, "\(String(describing: error))")
  }

  @Test("a missing file is refused with its name")
  func missingFile() throws {
    let directory = FileManager.default.temporaryDirectory
      .appending(path: "creditgate-lists-\(UUID().uuidString)")
    let error = #expect(throws: ListError.self) { try PublishedLists.load(from: directory) }
    #expect(error?.description.contains("catalogue.json") == true)
  }
}
