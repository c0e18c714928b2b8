import CreditGateCore
import CreditGateProtos
import Foundation
import SwiftProtobuf

extension Creditgate_V1_VerifyIdentityResponse: QueryIdentified {}
extension Creditgate_V1_GetProfileResponse: QueryIdentified {}
extension Creditgate_V1_CheckMeasuresResponse: QueryIdentified {}
extension Creditgate_V1_RegisterSubjectsResponse: QueryIdentified {}
extension Creditgate_V1_SubmitRecordsResponse: QueryIdentified {}
extension Creditgate_V1_RevokeRecordResponse: QueryIdentified {}

extension Creditgate_V1_SubjectKind {
  init(_ kind: SubjectKind) {
    switch kind {
    case .person: self = .person
    case .organisation: self = .organisation
    case .government: self = .government
    }
  }
}

extension Creditgate_V1_Subject {
  init(_ subject: Subject, warnings: [String]) {
    self.init()
    subjectCode = subject.code
    kind = .init(subject.kind)
    name = subject.name
    self.warnings = warnings
  }
}

extension Creditgate_V1_Severity {
  init(_ severity: Severity?) {
    switch severity {
    case nil: self = .unspecified
    case .minor: self = .minor
    case .general: self = .general
    case .serious: self = .serious
    }
  }

  /// The domain severity; `nil` for unspecified; throws for values this gateway does not know.
  func domain(field: String) throws(GatewayError) -> Severity? {
    switch self {
    case .unspecified: return nil
    case .minor: return .minor
    case .general: return .general
    case .serious: return .serious
    case .UNRECOGNIZED(let value): throw .invalid(field, "unknown severity \(value)")
    }
  }
}

extension Creditgate_V1_Polarity {
  init(_ polarity: Polarity) {
    switch polarity {
    case .trustKeeping: self = .trustKeeping
    case .trustBreaking: self = .trustBreaking
    case .neutral: self = .neutral
    }
  }
}

extension Creditgate_V1_PurposeKind {
  init(_ kind: PurposeKind) {
    switch kind {
    case .statutory: self = .statutory
    case .consent: self = .consent
    }
  }
}

extension Creditgate_V1_RecordStatus {
  init(_ status: RecordStatus) {
    switch status {
    case .active: self = .active
    case .disputed: self = .disputed
    case .repaired: self = .repaired
    case .revoked: self = .revoked
    case .objectionUpheld: self = .objectionUpheld
    }
  }
}

extension Creditgate_V1_CreditRecord {
  init(_ record: CreditRecord, polarity: Polarity?) {
    self.init()
    let content = record.content
    recordID = record.id
    providerInstitutionID = content.providerID
    providerRecordID = content.providerRecordID
    subjectCode = content.subjectCode
    category = content.category
    severity = .init(content.severity)
    title = content.title
    documentNumber = content.documentNumber
    actDate = content.actDate.iso
    decidedOn = content.decidedOn.iso
    actEndedOn = content.actEndedOn?.iso ?? ""
    disclosureUntil = content.disclosureUntil.iso
    status = .init(record.status)
    disputed = record.status == .disputed
    version = UInt64(record.version)
    if let polarity { self.polarity = .init(polarity) }
  }
}

extension Creditgate_V1_AuditEntry {
  init(_ entry: AuditEntry) {
    self.init()
    sequence = entry.sequence
    origin = entry.origin
    // Exactly from the microseconds: `Timestamp(date:)` goes through floating point and can be
    // a few nanoseconds off, which would change the leaf.
    let (seconds, nanos) = entry.time.protobufSecondsAndNanos
    time = Google_Protobuf_Timestamp(seconds: seconds, nanos: nanos)
    institutionID = entry.institutionID
    certificateFingerprint = entry.certificateFingerprint
    operatorID = entry.operatorID
    method = entry.method
    purpose = entry.purpose
    consentID = entry.consentID
    subjectPseudonym = entry.subjectPseudonym
    outcome = entry.outcome.rawValue
    statusCode = Int32(clamping: entry.statusCode)
    reason = entry.reason
    categoriesDisclosed = entry.categoriesDisclosed
    recordsDisclosed = UInt32(clamping: entry.recordsDisclosed)
    responseDigest = entry.responseDigest
    previousSubjectSequence = entry.previousSubjectSequence
  }
}

extension Creditgate_V1_PublishedLists {
  init(_ lists: PublishedLists) {
    self.init()
    version = lists.version
    categories = lists.categories.map { category in
      .with {
        $0.code = category.code
        $0.name = category.name
        $0.subjectKinds = category.subjectKinds.map(Creditgate_V1_SubjectKind.init)
        $0.polarity = .init(category.polarity)
        $0.dimension = category.dimension
        $0.repairable = category.repairable
        $0.disclosureBounds = category.disclosure.sorted { $0.key < $1.key }.map { severity, bound in
          .with {
            $0.severity = category.polarity == .trustBreaking ? .init(severity) : .unspecified
            $0.minDays = UInt32(clamping: bound.minDays)
            $0.maxDays = UInt32(clamping: bound.maxDays)
          }
        }
      }
    }
    purposes = lists.purposes.map { purpose in
      .with {
        $0.code = purpose.code
        $0.name = purpose.name
        $0.kind = .init(purpose.kind)
        $0.legalBasis = purpose.legalBasis
        $0.categories = purpose.categories
        $0.showsGrade = purpose.showsGrade
      }
    }
    measures = lists.measures.map { measure in
      .with {
        $0.code = measure.code
        $0.name = measure.name
        $0.purposes = measure.purposes
        $0.trigger = measure.trigger.summary
        $0.effect = measure.effect.rawValue
        $0.description_p = measure.description
        $0.legalBasis = measure.legalBasis
      }
    }
  }
}

extension MeasureTrigger {
  var summary: String {
    if let list { return "list:\(list)" }
    if let category {
      return "category:\(category)" + (minSeverity.map { ">=\($0.rawValue)" } ?? "")
    }
    return ""
  }
}

extension Creditgate_V1_Evaluation {
  init(_ evaluation: Evaluation, basis: String) {
    self.init()
    self.basis = basis
    modelVersion = evaluation.modelVersion
    grade = evaluation.grade
    total = Int32(clamping: evaluation.total)
    dimensions = evaluation.dimensions.map { dimension in
      .with {
        $0.dimension = dimension.dimension
        $0.score = Int32(clamping: dimension.score)
        $0.factors = dimension.factors.map(\.description)
      }
    }
  }
}

extension Creditgate_V1_ListMembership {
  init(_ membership: ListMembership) {
    self.init()
    list = membership.list.rawValue
    recordIds = membership.recordIDs
  }
}

extension Creditgate_V1_AppliedMeasure {
  init(_ applied: AppliedMeasure) {
    self.init()
    measure = applied.measure.code
    effect = applied.measure.effect.rawValue
    description_p = applied.measure.description
    legalBasis = applied.measure.legalBasis
    triggerRecordIds = applied.triggerRecordIDs
    triggerList = applied.triggerList?.rawValue ?? ""
  }
}

extension Creditgate_V1_WithheldCategory {
  init(_ withheld: QueryScope.Withheld) {
    self.init()
    category = withheld.category
    reason = withheld.reason.description
  }
}
