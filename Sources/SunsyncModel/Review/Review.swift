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

    /// Whether a content field (not `review` or `review_note`) is in conflict: what only the base resolves.
    public var hasContentConflict: Bool {
        fields.contains { !Schema.reviewFields.contains($0.name) && $0.state.isConflict }
    }

    /// Why a lunch cannot be approved given its day's hours record (`hours`: nil when there is none), or nil.
    public static func lunchApprovalRefusal(hours: RecordState?) -> ReviewSkip? {
        guard let hours, !hours.isDeleted else { return .noHoursThatDay }
        return hours.reviewStatus == .rejected ? .hoursRejected : nil
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

/// Why a decision was not written on a record.
public enum ReviewSkip: Error, Hashable, Sendable {
    /// The base deleted the record: nothing to decide.
    case deleted
    /// Approving a record in conflict would approve one of two contents; the base resolves it first.
    case inConflict
    /// The record already carries this verdict (and note) on its current content.
    case already(ReviewDecision.Verdict)
    /// Its content is no longer the version the reviewer was shown: a decision must name what was seen.
    case changedSinceShown
    /// A lunch whose day has no hours record standing (none, or deleted): a lunch is paid with its day's hours.
    case noHoursThatDay
    /// A lunch whose day's hours a reviewer rejected.
    case hoursRejected

}

extension RecordState {
    /// The writes a reviewer's decision makes on this record — `review` naming the content it judged, and
    /// `review_note` (set to `note`, or cleared: an earlier rejection's reason no longer applies) — or why
    /// there is nothing to write. The one rule for the CLI (`sunsync review`) and the review page.
    /// `seen`: the content version the reviewer was shown, where it may have changed since (a page).
    public func decision(_ verdict: ReviewDecision.Verdict, note: String?, seen: String? = nil) -> Result<[(field: String, value: Value)], ReviewSkip> {
        if let seen, contentVersion != seen { return .failure(.changedSinceShown) }
        if isDeleted { return .failure(.deleted) }
        // Reviewers who disagree (a conflict in `review` only) are settled by this decision, which replaces both.
        if verdict == .approved, hasContentConflict { return .failure(.inConflict) }
        let note = note.flatMap { $0.allSatisfy(\.isWhitespace) ? nil : $0 }
        if reviewStatus.rawValue == verdict.rawValue, note == nil || displayed("review_note")?.text == note {
            return .failure(.already(verdict))
        }
        var writes: [(field: String, value: Value)] = [("review", ReviewDecision(verdict, contentVersion: contentVersion).value)]
        if let note {
            writes.append(("review_note", .text(note)))
        } else if displayed("review_note") != nil {
            writes.append(("review_note", .null))
        }
        return .success(writes)
    }
}
