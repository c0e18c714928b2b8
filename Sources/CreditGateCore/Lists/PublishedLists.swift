public import Foundation

/// The three published lists the gateway applies: the catalogue, the application list of
/// purposes, and the measures. Loaded from `config/` at start and served as they are.
public struct PublishedLists: Sendable {
  public let version: String
  public let categories: [Category]
  public let purposes: [Purpose]
  public let measures: [Measure]

  private let categoriesByCode: [String: Category]
  private let purposesByCode: [String: Purpose]

  public static let catalogueFile = "catalogue.json"
  public static let purposesFile = "purposes.json"
  public static let measuresFile = "measures.json"

  /// Builds the lists and checks that every cross-reference resolves.
  public init(
    version: String, categories: [Category], purposes: [Purpose], measures: [Measure]
  ) throws(ListError) {
    self.version = version
    self.categories = categories
    self.purposes = purposes
    self.measures = measures
    var byCode: [String: Category] = [:]
    for category in categories {
      guard byCode.updateValue(category, forKey: category.code) == nil else {
        throw ListError(file: Self.catalogueFile, "category \"\(category.code)\" appears twice")
      }
      if category.polarity == .trustBreaking, category.disclosure.isEmpty {
        throw ListError(
          file: Self.catalogueFile,
          "category \"\(category.code)\" is trust-breaking but has no disclosure bounds")
      }
      for (severity, bound) in category.disclosure where bound.minDays > bound.maxDays {
        throw ListError(
          file: Self.catalogueFile,
          "category \"\(category.code)\": \(severity.rawValue) min_days exceeds max_days")
      }
    }
    var purposesByCode: [String: Purpose] = [:]
    for purpose in purposes {
      guard purposesByCode.updateValue(purpose, forKey: purpose.code) == nil else {
        throw ListError(file: Self.purposesFile, "purpose \"\(purpose.code)\" appears twice")
      }
      for code in purpose.categories where byCode[code] == nil {
        throw ListError(
          file: Self.purposesFile,
          "purpose \"\(purpose.code)\" names unknown category \"\(code)\"")
      }
    }
    for measure in measures {
      for code in measure.purposes where purposesByCode[code] == nil {
        throw ListError(
          file: Self.measuresFile, "measure \"\(measure.code)\" names unknown purpose \"\(code)\"")
      }
      let trigger = measure.trigger
      switch (trigger.list, trigger.category) {
      case (let list?, nil):
        guard CreditList(rawValue: list) != nil else {
          let known = CreditList.allCases.map(\.rawValue).joined(separator: ", ")
          throw ListError(
            file: Self.measuresFile, "measure \"\(measure.code)\": list \"\(list)\" is not one of \(known)")
        }
        guard trigger.minSeverity == nil else {
          throw ListError(
            file: Self.measuresFile, "measure \"\(measure.code)\": min_severity goes with a category trigger")
        }
      case (nil, .some): break
      default:
        throw ListError(
          file: Self.measuresFile,
          "measure \"\(measure.code)\": the trigger must name exactly one of list or category")
      }
      if let code = measure.trigger.category, byCode[code] == nil {
        throw ListError(
          file: Self.measuresFile, "measure \"\(measure.code)\" names unknown category \"\(code)\"")
      }
    }
    self.categoriesByCode = byCode
    self.purposesByCode = purposesByCode
  }

  /// The catalogue category with this code, if there is one.
  public func category(_ code: String) -> Category? { categoriesByCode[code] }
  /// The application list's purpose with this code, if there is one.
  public func purpose(_ code: String) -> Purpose? { purposesByCode[code] }

  /// Loads `catalogue.json`, `purposes.json` and `measures.json` from a folder.
  public static func load(from directory: URL) throws(ListError) -> PublishedLists {
    struct CatalogueFile: Decodable {
      var version: String
      var categories: [Category]
    }
    struct PurposesFile: Decodable { var purposes: [Purpose] }
    struct MeasuresFile: Decodable { var measures: [Measure] }

    let catalogue = try decode(CatalogueFile.self, directory.appending(path: catalogueFile))
    let purposes = try decode(PurposesFile.self, directory.appending(path: purposesFile))
    let measures = try decode(MeasuresFile.self, directory.appending(path: measuresFile))
    return try PublishedLists(
      version: catalogue.version, categories: catalogue.categories, purposes: purposes.purposes,
      measures: measures.measures)
  }

  private static func decode<T: Decodable>(_ type: T.Type, _ url: URL) throws(ListError) -> T {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw ListError(file: url.path, "cannot be read")
    }
    do {
      return try JSONDecoder().decode(type, from: data)
    } catch {
      throw ListError(file: url.path, ConfigurationDecoding.explain(error, in: data))
    }
  }
}

/// A problem in one of the published lists, naming the file.
public struct ListError: Error, Sendable, Hashable, CustomStringConvertible {
  public let file: String
  public let problem: String

  /// Creates the error for `file` (a name or a path); `description` reads `file: problem`.
  public init(file: String, _ problem: String) {
    self.file = file
    self.problem = problem
  }

  public var description: String { "\(file): \(problem)" }
}
