import Crypto
import Foundation

/// The life-cycle state of a record.
public enum RecordStatus: String, Sendable, Hashable, Codable, CaseIterable {
  case active = "ACTIVE"
  case disputed = "DISPUTED"
  case repaired = "REPAIRED"
  case revoked = "REVOKED"
  /// An objection against it was upheld: no longer disclosed; a corrected version the provider
  /// submits is disclosed again.
  case objectionUpheld = "OBJECTION_UPHELD"
}

/// What a provider submits: the content of a record, identified by its own record id.
public struct RecordContent: Sendable, Hashable {
  public var providerID: String
  public var providerRecordID: String
  public var subjectCode: String
  public var category: String
  public var severity: Severity?
  public var title: String
  public var documentNumber: String
  public var actDate: LocalDate
  public var decidedOn: LocalDate
  public var actEndedOn: LocalDate?
  /// Always set: the provider's end if it is inside the category's bounds, else the maximum.
  public var disclosureUntil: LocalDate

/// Creates validated content (see `RecordSubmission.validate`).
  public init(
    providerID: String, providerRecordID: String, subjectCode: String, category: String,
    severity: Severity?, title: String, documentNumber: String, actDate: LocalDate,
    decidedOn: LocalDate, actEndedOn: LocalDate?, disclosureUntil: LocalDate
  ) {
    self.providerID = providerID
    self.providerRecordID = providerRecordID
    self.subjectCode = subjectCode
    self.category = category
    self.severity = severity
    self.title = title
    self.documentNumber = documentNumber
    self.actDate = actDate
    self.decidedOn = decidedOn
    self.actEndedOn = actEndedOn
    self.disclosureUntil = disclosureUntil
  }

  /// The gateway's id for the record: stable for a provider and its record id, so that a
  /// resubmission lands on the same record.
  public var recordID: String {
    CreditRecord.recordID(provider: providerID, providerRecordID: providerRecordID)
  }
}

/// A stored record.
public struct CreditRecord: Sendable, Hashable {
  public var id: String
  public var content: RecordContent
  public var status: RecordStatus
  /// 1 on first submission; raised each time a resubmission changes the content.
  public var version: Int

  /// Creates a record as a store holds it.
  public init(id: String, content: RecordContent, status: RecordStatus, version: Int) {
    self.id = id
    self.content = content
    self.status = status
    self.version = version
  }

  /// The record after its provider submitted `content` for it again: identical content changes
  /// nothing; changed content raises the version and keeps the status, except that a record
  /// withdrawn on an objection comes back as the corrected version.
  public func resubmitted(_ content: RecordContent) -> CreditRecord {
    guard content != self.content else { return self }
    let status: RecordStatus = status == .objectionUpheld ? .active : status
    return CreditRecord(id: id, content: content, status: status, version: version + 1)
  }

  /// The gateway's id for a provider's record: "r" and 20 hex digits of SHA-256 over both ids.
  public static func recordID(provider: String, providerRecordID: String) -> String {
    let digest = SHA256.hash(data: Data("\(provider)\u{0}\(providerRecordID)".utf8))
    return "r" + digest.prefix(10).hex
  }
}
