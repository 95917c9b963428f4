/// A wait before a request is tried again, for a progress line.
public struct SyncRetry: Sendable {
    public let attempt: Int
    public let of: Int
    public let wait: Duration
    public let error: SyncError

    public init(attempt: Int, of: Int, wait: Duration, error: SyncError) {
        self.attempt = attempt
        self.of = of
        self.wait = wait
        self.error = error
    }
}

/// What one sync did.
public struct SyncReport: Encodable, Sendable {
    public var pushed = 0
    public var rejected = 0
    /// New ops received (the server also returns this laptop's own, which change nothing).
    public var pulled = 0
    /// Of those, changes a newer sunsync wrote (fields or values this one does not know): kept.
    public var unrecognized = 0
    public var pages = 0
    public var cursor: Int64 = 0
    /// Changes queued again because the server's database was restored from a backup (0 otherwise).
    public var resent = 0
    /// Changes to receive, as the server counted them at the first page (nil: an older server).
    public var toReceive: Int64?
    /// Ops received so far, this laptop's own echoes included: what `toReceive` counts.
    public var received: Int64 = 0
    /// The replica this laptop moved to, because the server found its id in use by another device (nil: none).
    public var newReplica: String?
    /// Changes refused for their id alone, written again under the new replica.
    public var reissued = 0
    /// Changes received under an id this laptop used for another change: not applied, this laptop's kept.
    public var clashed = 0
    /// Why this laptop moved to `newReplica`: `id-in-use` (another device writes under its id) or
    /// `clock-ahead` (its clock had run ahead and is right again).
    public var movedFor: String?
    /// Changes stamped by a clock that had run ahead, sent again under the right time.
    public var restamped = 0
    /// How far this laptop's clock is from the server's, in minutes (positive: ahead), when it is more
    /// than the server allows (5 minutes by default); nil otherwise.
    public var clockOffsetMinutes: Int64?
    /// Participants whose records this laptop moved to the server's person keys (made here before it
    /// had them: offline, or by a sunsync from before secrets); once, at the first sync that brings them.
    public var rekeyedPeople = 0

    public init() {}
}
