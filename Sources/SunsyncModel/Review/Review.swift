/// A reviewer's decision on an hours or lunch record, written to its `review` field as
/// `approved <content version>` or `rejected <content version>` (one op, so status and version travel together).
public struct ReviewDecision: Hashable, Sendable, CustomStringConvertible {
    public enum Verdict: String, Sendable { case approved, rejected }

    public let verdict: Verdict
    /// The content version the reviewer saw (`RecordState.contentVersion`).
    public let contentVersion: String

    public init(_ verdict: Verdict, contentVersion: String) {
        self.verdict = verdict
        self.contentVersion = contentVersion
    }

    public init?(_ value: Value) {
        guard let text = value.text else { return nil }
        let parts = text.split(separator: " ")
        guard parts.count == 2, let verdict = Verdict(rawValue: String(parts[0])),
              parts[1].utf8.count == 32 else { return nil }
        self.init(verdict, contentVersion: String(parts[1]))
    }

    public var value: Value { .text(description) }
    public var description: String { "\(verdict.rawValue) \(contentVersion)" }
}

/// Where a record stands with its reviewer, derived from the merged state on every read.
public enum ReviewStatus: String, Sendable, Codable {
    case needsReview = "needs_review"
    case approved
    case rejected

    /// The words reviewers use: 待审核, 已通过, 已退回.
    public var chinese: String {
        switch self {
        case .needsReview: "待审核"
        case .approved: "已通过"
        case .rejected: "已退回"
        }
    }
}

extension RecordState {
    /// The exact content a reviewer sees: SHA-256 over the 16-byte ids of the current values of every
    /// content field (all but `review` and `review_note`), sorted ascending; the first 16 bytes in hex.
    /// Any later write to content — or a late-arriving concurrent one — changes it.
    public var contentVersion: String {
        let ids = fields.filter { !Schema.reviewFields.contains($0.name) }
            .flatMap { $0.state.current.map(\.id) }
            .sorted()
        return Hex.encode(SHA256.hash(ids.flatMap(\.bytes)).prefix(16))
    }

    /// Approved or rejected only while the decision names the current content version, and no two
    /// reviewers' decisions stand in conflict; otherwise the record needs review.
    public var reviewStatus: ReviewStatus {
        guard let review = field("review"), !review.isConflict,
              let decision = ReviewDecision(review.displayed),
              decision.contentVersion == contentVersion
        else { return .needsReview }
        return decision.verdict == .approved ? .approved : .rejected
    }
}
