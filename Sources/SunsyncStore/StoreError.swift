import SunsyncModel

/// Why the store refused or failed. `code` is stable; `message` says what to do.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let notInitialized = Code(rawValue: "not_initialized")
        public static let alreadyInitialized = Code(rawValue: "already_initialized")
        public static let notAStore = Code(rawValue: "not_a_store")
        public static let newerFormat = Code(rawValue: "newer_format")
        public static let locked = Code(rawValue: "locked")
        public static let opIDReused = Code(rawValue: "op_id_reused")
        /// A pull from a cursor beyond every op held: the database is not the one that gave out the cursor.
        public static let cursorAhead = Code(rawValue: "cursor_ahead")
        public static let invalid = Code(rawValue: "invalid")
        public static let database = Code(rawValue: "database")
        /// The disk holding the database is full: nothing of the change was written; it can be made again
        /// once space is freed.
        public static let diskFull = Code(rawValue: "disk_full")
        /// The database file (or its folder) cannot be written: its permissions, a read-only disk.
        public static let readOnly = Code(rawValue: "read_only")
        /// The database cannot be reached (PostgreSQL down or restarting): try again shortly.
        public static let unavailable = Code(rawValue: "unavailable")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public init(_ error: ModelError) {
        self.init(.invalid, error.message)
        self.modelCode = error.code
        self.problem = error.problem
    }

    /// The model's reason, when validation refused the change.
    public private(set) var modelCode: ModelError.Code?
    /// What the model found wrong, in parts, where it says so (for each language to word).
    public private(set) var problem: ModelError.Problem?

    public var description: String { message }
}
