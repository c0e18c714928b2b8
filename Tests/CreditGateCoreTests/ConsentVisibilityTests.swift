import CreditGateCore
import Foundation
import Testing

/// Who may see and revoke which consents (DESIGN §7): the portal all, a grantee its own, and to
/// everyone else a consent is indistinguishable from one that does not exist.
@Suite("Consent visibility")
struct ConsentVisibilityTests {
  static let start = Date(timeIntervalSince1970: 1_767_225_600)

  /// A consent given to `test-bank`, recorded by the portal.
  static let toBank = Consent(
    id: "c-visible-1", subjectCode: Codes.person, granteeID: "test-bank", purpose: "commercial-loan",
    categories: ["loan-default"], validFrom: start, validUntil: start.addingTimeInterval(30 * 86_400),
    recordedBy: "test-portal")

  /// The same consent, recorded by another institution.
  static func recorded(by institution: String) -> Consent {
    var consent = toBank
    consent.recordedBy = institution
    return consent
  }

  struct Row: Sendable, CustomTestStringConvertible {
    var label: String
    var viewer: Institution
    var consent = ConsentVisibilityTests.toBank
    var visible: Bool
    var testDescription: String { label }
  }

  static let rows: [Row] = [
    Row(label: "the portal sees a consent given to a bank",
        viewer: Institution(id: "test-portal", name: "门户", roles: [.portal]), visible: true),
    Row(label: "a second portal sees it too: it acts for the person, not for the grantee",
        viewer: Institution(id: "other-portal", name: "另一门户", roles: [.portal]), visible: true),
    Row(label: "the grantee sees its own consent",
        viewer: Institution(id: "test-bank", name: "银行", roles: [.query]), visible: true),
    Row(label: "the grantee sees it whoever recorded it",
        viewer: Institution(id: "test-bank", name: "银行", roles: [.query]),
        consent: recorded(by: "test-bank"), visible: true),
    Row(label: "another bank does not",
        viewer: Institution(id: "other-bank", name: "另一银行", roles: [.query]), visible: false),
    Row(label: "the institution that recorded it, if it is not the grantee or the portal, does not",
        viewer: Institution(id: "test-hr-bureau", name: "人社局", roles: [.query]),
        consent: recorded(by: "test-hr-bureau"), visible: false),
    Row(label: "a privacy office does not",
        viewer: Institution(id: "test-privacy-office", name: "隐私办", roles: [.privacyOffice]), visible: false),
  ]

  @Test("who sees a consent", arguments: rows)
  func visibility(_ row: Row) {
    #expect(row.consent.isVisible(to: row.viewer) == row.visible)
  }

  @Test("who may revoke it: the same rule; a consent one may not see reads as none at all", arguments: rows)
  func revocable(_ row: Row) {
    if row.visible {
      #expect((try? Consent.revocable(row.consent, by: row.viewer)) == row.consent)
    } else {
      let hidden = TestSupport.gatewayError { _ = try Consent.revocable(row.consent, by: row.viewer) }
      let missing = TestSupport.gatewayError { _ = try Consent.revocable(nil, by: row.viewer) }
      #expect(hidden == GatewayError(.notFound, field: "consent_id", "no such consent"))
      #expect(hidden == missing)
    }
  }

  @Test("no institution may revoke a consent that does not exist, not even the portal")
  func revokingNothing() {
    let error = TestSupport.gatewayError {
      _ = try Consent.revocable(nil, by: Institution(id: "test-portal", name: "门户", roles: [.portal]))
    }
    #expect(error == GatewayError(.notFound, field: "consent_id", "no such consent"))
  }
}
