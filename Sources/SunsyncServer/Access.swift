import Foundation
import SunsyncModel
import SunsyncStore
import SunsyncServerStore

/// Tokens: 32 random bytes, base64url, prefixed `sst_`. Only their SHA-256 is stored.
enum Token {
    static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return "sst_" + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ token: String) -> String { NaturalKey.digest(token) }

    /// 32 random bytes, base64url: a review-page session id.
    static func random() -> String { String(generate().dropFirst("sst_".count)) }
}

/// What one device may see and write.
struct Access: Sendable {
    let device: Device
    /// The orgs whose records it may pull; nil for an admin (every org).
    let orgs: [String]?

    /// Nil if the device may write this op, else a code and a reason.
    func refusal(_ op: Op) -> (code: String, reason: String)? {
        let org = (try? NaturalKey.parse(op.key))?.org ?? ""
        let isReview = Schema.reviewFields.contains(op.field)
        if op.collection == .reveals {
            // An audit record: written once, by whoever revealed, for an org it may read.
            if !op.pred.isEmpty { return ("forbidden", "\(op.key) is a reveal record: it is written once and never changed") }
            if device.role == .admin || (orgs ?? []).contains(org) { return nil }
            return ("forbidden", "\(op.key) names \(org), whose records device \(device.name) cannot read")
        }
        switch device.role {
        case .admin:
            return nil
        case .staff:
            if op.collection == .orgs {
                return ("forbidden", "organizations are registered by an administrator, not from a base's laptop")
            }
            if org != device.org {
                return ("forbidden", "\(op.key) belongs to \(org); this device records for \(device.org ?? "no organization")")
            }
            if isReview { return ("forbidden", "'\(op.field)' is written by a reviewer, not by base staff") }
            return nil
        case .reviewer:
            guard op.collection == .hours || op.collection == .lunches, isReview else {
                return ("forbidden", "a reviewer writes only review and review_note of hours and lunches; \(op.key) \(op.field) is base staff's")
            }
            if !(orgs ?? []).contains(org) {
                return ("forbidden", "\(org) is not in district \(device.district ?? "?")")
            }
            return nil
        }
    }
}
