// libFuzzer target: the published-list loader (Lists/PublishedLists.swift) and the error
// explanations of Support/ConfigurationDecoding.swift. The first byte picks which of the three
// files the rest of the input stands for (0 catalogue, 1 purposes, 2 measures); the other two are
// the real ones from config/. The input is decoded as `PublishedLists.load(from:)` decodes each
// file (the same Decodable shapes, JSONDecoder, ConfigurationDecoding.explain on failure) and the
// lists are then built and cross-checked by `PublishedLists.init`, without the file system (which
// `fuzz/targets` leaves out to keep the rate up; `load` only adds `Data(contentsOf:)`).
// Any input: lists or a ListError, never a trap.
@testable import CreditGateCore
import Foundation

private struct CatalogueFile: Decodable {
  var version: String
  var categories: [Category]
}
private struct PurposesFile: Decodable { var purposes: [Purpose] }
private struct MeasuresFile: Decodable { var measures: [Measure] }

private let configDirectory = ProcessInfo.processInfo.environment["CREDITGATE_FUZZ_CONFIG"] ?? "config"
private func real<T: Decodable>(_ type: T.Type, _ name: String) -> T {
  let url = URL(fileURLWithPath: configDirectory).appending(path: name)
  guard let data = try? Data(contentsOf: url), let value = try? JSONDecoder().decode(type, from: data) else {
    fatalError("cannot load \(url.path)")
  }
  return value
}
private let realCatalogue = real(CatalogueFile.self, PublishedLists.catalogueFile)
private let realPurposes = real(PurposesFile.self, PublishedLists.purposesFile)
private let realMeasures = real(MeasuresFile.self, PublishedLists.measuresFile)

private func decode<T: Decodable>(_ type: T.Type, _ data: Data, _ file: String) throws(ListError) -> T {
  do {
    return try JSONDecoder().decode(type, from: data)
  } catch {
    throw ListError(file: file, ConfigurationDecoding.explain(error, in: data))
  }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPublishedLists(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size >= 1 else { return 0 }
  let content = Data(bytes: data + 1, count: size - 1)
  var catalogue = realCatalogue
  var purposes = realPurposes
  var measures = realMeasures
  do {
    switch data[0] % 3 {
    case 0: catalogue = try decode(CatalogueFile.self, content, PublishedLists.catalogueFile)
    case 1: purposes = try decode(PurposesFile.self, content, PublishedLists.purposesFile)
    default: measures = try decode(MeasuresFile.self, content, PublishedLists.measuresFile)
    }
    let lists = try PublishedLists(
      version: catalogue.version, categories: catalogue.categories, purposes: purposes.purposes,
      measures: measures.measures)
    for category in lists.categories {
      precondition(lists.category(category.code) != nil)
      for severity in Severity.allCases { _ = category.disclosureBound(for: severity) }
    }
    for purpose in lists.purposes { precondition(lists.purpose(purpose.code) != nil) }
  } catch {
    precondition(!error.problem.isEmpty && !error.description.isEmpty)
  }
  return 0
}
