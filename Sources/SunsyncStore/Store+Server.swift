import Foundation
import GRDB
import GRDBSQLite
import SunsyncModel

// MARK: Server side: scoped pulls, pushes, devices

/// A push's signature as the server checked it: the key, the signature, the digest of every op the device
/// signed (by place), and the place of each op the server holds of it (`Store.push`'s ops, in order).
public struct PushSignature: Sendable {
    public let key: String
    public let signature: [UInt8]
    public let digests: [[UInt8]]
    public let places: [Int]

    public init(key: String, signature: [UInt8], digests: [[UInt8]], places: [Int]) {
        self.key = key
        self.signature = signature
        self.digests = digests
        self.places = places
    }

    /// The batch as a store keeps it once the places in `filled` hold an op under it: the digest of every
    /// other place is a hole.
    public func batch(filled: Set<Int> = []) -> SignedBatch {
        SignedBatch(key: key, signature: signature, count: digests.count,
                    holes: Dictionary(uniqueKeysWithValues: digests.indices.filter { !filled.contains($0) }.map { ($0, digests[$0]) }))
    }
}

/// A device that may sync, as the server knows it.
public struct Device: Hashable, Sendable, Codable {
    public enum Role: String, Sendable, Codable, CaseIterable { case staff, reviewer, admin }

    public let id: String
    public let name: String
    public let role: Role
    public let org: String?
    public let district: String?
    public let createdAt: String
    public let revokedAt: String?
    /// The replicas (16 hex digits) it has pushed from: one, for a laptop used as it should be.
    public var replicas: [String] = []
    /// The replica of its decisions on the review page, once it has made one there (a reviewer's).
    public var webReplica: String?

    public init(id: String, name: String, role: Role, org: String?, district: String?, createdAt: String, revokedAt: String?) {
        self.id = id
        self.name = name
        self.role = role
        self.org = org
        self.district = district
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

extension Store {
    /// A page of ops after `cursor` in arrival order, limited to `orgs` (nil: every org), at most
    /// `limit`. The returned cursor means "every op in scope up to here has been returned": it moves past
    /// other orgs' ops too, so a sync with nothing new costs nothing however large the database.
    /// With `through`, every op in scope up to that seq, however many (a page made whole in its batches).
    public func pull(after cursor: Int64, orgs: [String]?, limit: Int, through: Int64? = nil) async throws(StoreError)
        -> (ops: [LoggedOp], cursor: Int64, more: Bool, maxSeq: Int64) {
        try await Self.run {
            try await queue.read { db in
                var maxSeq = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM ops") ?? 0
                // Ops are never deleted, so every cursor handed out stays ≤ the last seq; one beyond it was
                // handed out by another database (this one restored from an older copy, or replaced).
                guard cursor <= maxSeq else {
                    throw StoreError(.cursorAhead, "cursor \(cursor) is beyond the \(maxSeq) changes this server holds")
                }
                guard cursor < maxSeq else { return ([], max(cursor, 0), false, maxSeq) }
                let columns = "SELECT seq, id, collection, record, field, kind, value, pred, batch FROM ops"
                let ops: [LoggedOp]
                let all = maxSeq
                if let through { maxSeq = min(maxSeq, through) }
                let limit = through == nil ? limit : Int(Int32.max)
                var end = maxSeq
                if let orgs, orgs.count == 1, through != nil {
                    ops = try Self.loggedOps(db, sql: "\(columns) INDEXED BY ops_by_org WHERE org = ? AND seq > ? AND seq <= ? ORDER BY org, seq",
                                                 arguments: [orgs[0], cursor, maxSeq])
                } else if let orgs, orgs.count == 1 {
                    // One org: its own index, in order.
                    ops = try Self.loggedOps(db, sql: "\(columns) INDEXED BY ops_by_org WHERE org = ? AND seq > ? ORDER BY org, seq LIMIT ?",
                                                 arguments: [orgs[0], cursor, limit])
                } else if let orgs {
                    guard !orgs.isEmpty else { return ([], all, false, all) }
                    // Several orgs: walk a bounded window of arrival order, keeping the district's ops.
                    end = through == nil ? min(maxSeq, cursor + Int64(limit) * 20) : maxSeq
                    let marks = Array(repeating: "?", count: orgs.count).joined(separator: ",")
                    ops = try Self.loggedOps(db, sql: "\(columns) NOT INDEXED WHERE seq > ? AND seq <= ? AND org IN (\(marks)) ORDER BY seq LIMIT ?",
                                                 arguments: StatementArguments([cursor, end] + orgs + [limit] as [any DatabaseValueConvertible]))
                } else {
                    ops = try Self.loggedOps(db, sql: "\(columns) WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?", arguments: [cursor, maxSeq, limit])
                }
                if ops.count == limit, let last = ops.last?.seq { return (ops, last, last < all, all) }
                return (ops, end, end < all, all)
            }
        }
    }

    /// For the batches among `ids` with an op after `seq`: each one's last seq.
    public func batchesContinuing(_ ids: Set<Int64>, after seq: Int64) async throws(StoreError) -> [Int64: Int64] {
        guard !ids.isEmpty else { return [:] }
        return try await Self.run {
            try await queue.read { db in
                let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
                var out = [Int64: Int64]()
                for row in try Row.fetchAll(db, sql: "SELECT batch, max(seq) FROM ops WHERE batch IN (\(marks)) GROUP BY batch HAVING max(seq) > ?",
                                            arguments: StatementArguments(Array(ids) + [seq])) {
                    out[row[0]] = row[1]
                }
                return out
            }
        }
    }

    /// The ops of the batches `ids` before `seq`, in seq order.
    public func batchOps(_ ids: Set<Int64>, before seq: Int64) async throws(StoreError) -> [LoggedOp] {
        guard !ids.isEmpty else { return [] }
        return try await Self.run {
            try await queue.read { db in
                let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
                return try Self.loggedOps(db, sql: """
                    SELECT seq, id, collection, record, field, kind, value, pred, batch FROM ops WHERE batch IN (\(marks)) AND seq < ? ORDER BY seq
                    """, arguments: StatementArguments(Array(ids) + [seq]))
            }
        }
    }

    /// How many ops in scope (`orgs`, nil: all) arrived after `cursor`: what a sync still has to receive.
    public func remaining(after cursor: Int64, orgs: [String]?) async throws(StoreError) -> Int64 {
        try await Self.run {
            try await queue.read { db in
                guard let orgs else { return try Int64.fetchOne(db, sql: "SELECT count(*) FROM ops WHERE seq > ?", arguments: [cursor]) ?? 0 }
                var total: Int64 = 0
                for org in orgs {   // one range of the org index each
                    total += try Int64.fetchOne(db, sql: "SELECT count(*) FROM ops INDEXED BY ops_by_org WHERE org = ? AND seq > ?",
                                                arguments: [org, cursor]) ?? 0
                }
                return total
            }
        }
    }

    /// Applies pushed (already validated) ops in one transaction. An id already stored with other
    /// content is refused on its own, leaving the rest to apply. Returns the count of new ops and the refused ids.
    /// Notes, in the same transaction, that `device` pushed from the ops' replicas; returns how many
    /// replicas the device has pushed from in all (more than one: its token is used on two laptops).
    public func push(_ ops: [Op], device: String? = nil, at time: String = "", signed: PushSignature? = nil) async throws(StoreError)
        -> (new: Int, reused: [OpID], deviceReplicas: Int) {
        try await Self.run {
            try await queue.write { db in
                let applier = try Applier(db)
                var batch: Int64?
                if let signed, try Int64.fetchOne(db, sql: "SELECT id FROM batches WHERE signature = ?", arguments: [Data(signed.signature)]) == nil {
                    batch = try Self.insertBatch(signed.batch(filled: Set(signed.digests.indices)), org: ops.first.map { MergedState.org(of: $0.key) } ?? "", db)
                }
                applier.batch = batch
                var new = 0
                var reused = [OpID]()
                var filled = Set<Int>()
                for (i, op) in ops.enumerated() {
                    do {
                        if try applier.apply(op, local: false) {
                            new += 1
                            if let signed { filled.insert(signed.places[i]) }
                        }
                    } catch let error as StoreError where error.code == .opIDReused {
                        reused.append(op.id)
                    }
                }
                if let batch, let signed {
                    // Every place no op of this push is now held under: its digest, so the signature still verifies.
                    try db.execute(sql: "UPDATE batches SET holes = ? WHERE id = ?", arguments: [Data(signed.batch(filled: filled).holeBytes), batch])
                }
                try applier.finish()
                guard let device else { return (new, reused, 0) }
                for replica in Set(ops.map(\.id.replica)) {
                    try db.execute(sql: """
                        INSERT INTO device_replicas(device_id, replica, first_seen, last_seen) VALUES (?, ?, ?, ?)
                        ON CONFLICT(device_id, replica) DO UPDATE SET last_seen = excluded.last_seen
                        """, arguments: [device, replica.description, time, time])
                }
                let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM device_replicas WHERE device_id = ?", arguments: [device]) ?? 0
                return (new, reused, count)
            }
        }
    }

    /// Binds each replica that no one holds yet to `owner` (a device id), first come and for good, in one
    /// transaction; returns those among them that another owner holds (the server's own replicas, owner
    /// `server`, included). A device may write only under replicas it holds (SPEC §9, replica binding).
    public func bindReplicas(_ replicas: Set<ReplicaID>, to owner: String, at time: String) async throws(StoreError) -> Set<ReplicaID> {
        guard !replicas.isEmpty else { return [] }
        return try await Self.run {
            try await queue.write { db in
                var taken = Set<ReplicaID>()
                for replica in replicas {
                    switch try String.fetchOne(db, sql: "SELECT owner FROM replica_owners WHERE replica = ?", arguments: [replica.description]) {
                    case owner?: continue
                    case _?: taken.insert(replica)
                    case nil:
                        try db.execute(sql: "INSERT INTO replica_owners(replica, owner, bound_at) VALUES (?, ?, ?)",
                                       arguments: [replica.description, owner, time])
                    }
                }
                return taken
            }
        }
    }

    /// The rules the flags use (SPEC §5), else the defaults: on a server as an administrator set them
    /// (`sunsync-server settings`), on a laptop as its server last sent them.
    public func rules() throws(StoreError) -> Rules {
        guard let text = try meta("rules") else { return Rules() }
        return try Self.rules(text)
    }

    public func setRules(_ rules: Rules) throws(StoreError) {
        try setMeta("rules", try Self.text(rules))
    }

    /// Reads, changes and writes the rules in one immediate transaction: another process changing them at
    /// the same time waits, and neither change is lost.
    public func updateRules(_ change: (inout Rules) throws -> Void) throws(StoreError) -> Rules {
        try Self.run {
            try queue.writeWithoutTransaction { db in
                var rules = Rules()
                try db.inTransaction(.immediate) {
                    if let text = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'rules'") { rules = try Self.rules(text) }
                    try change(&rules)
                    try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('rules', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                   arguments: [try Self.text(rules)])
                    return .commit
                }
                return rules
            }
        }
    }

    /// The rules as stored (JSON, keys sorted), and back.
    public static func text(_ rules: Rules) throws(StoreError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { return String(decoding: try encoder.encode(rules), as: UTF8.self) } catch { throw StoreError(.invalid, "\(error)") }
    }

    public static func rules(_ text: String) throws(StoreError) -> Rules {
        do { return try JSONDecoder().decode(Rules.self, from: Data(text.utf8)) } catch {
            throw StoreError(.database, "the stored rules cannot be read (\(error)); set them again with `sunsync-server settings`")
        }
    }

    /// The server database's epoch (SPEC §9): made once, on first use, and made anew in every backup,
    /// so that a database restored from a backup never shows laptops the epoch they synced with.
    public func serverEpoch() throws(StoreError) -> String {
        try Self.run {
            try queue.write { db in
                // `epoch`: this database's own. (A laptop keeps its server's under `server_epoch`.)
                try db.execute(sql: "INSERT OR IGNORE INTO meta(key, value) VALUES ('epoch', ?)", arguments: [Self.newEpoch()])
                return try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'epoch'") ?? ""
            }
        }
    }

    /// 64 random bits in hex.
    static func newEpoch() -> String {
        var rng = SystemRandomNumberGenerator()
        return ReplicaID(rng.next()).description
    }

    /// The codes of the orgs whose `district` field shows `district`.
    public func orgs(inDistrict district: String) async throws(StoreError) -> [String] {
        try await Self.run {
            try await queue.read { db in
                try String.fetchAll(db, sql: """
                    SELECT ops.record FROM ops JOIN current ON current.op_id = ops.id
                    WHERE ops.collection = 'orgs' AND ops.field = 'district' AND ops.value = ?
                    """, arguments: [district])
            }
        }
    }

    public func addDevice(_ device: Device, tokenHash: String) throws(StoreError) {
        try Self.run {
            try queue.write { db in
                if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM devices WHERE name = ?)", arguments: [device.name]) == true {
                    throw StoreError(.invalid, "a device named '\(device.name)' already exists; choose another name")
                }
                try db.execute(sql: """
                    INSERT INTO devices(id, name, role, org, district, token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [device.id, device.name, device.role.rawValue, device.org, device.district, tokenHash, device.createdAt])
            }
        }
    }

    /// Every device, with the replicas it has pushed from.
    public func devices() throws(StoreError) -> [Device] {
        try Self.run {
            try queue.read { db in
                var replicas = [String: [String]]()
                if try db.tableExists("device_replicas") {
                    for row in try Row.fetchAll(db, sql: "SELECT device_id, replica FROM device_replicas ORDER BY first_seen, replica") {
                        replicas[row[0], default: []].append(row[1])
                    }
                }
                var web = [String: String]()
                if try db.tableExists("device_web_replicas") {
                    for row in try Row.fetchAll(db, sql: "SELECT device_id, replica FROM device_web_replicas") { web[row[0]] = row[1] }
                }
                return try Row.fetchAll(db, sql: "SELECT * FROM devices ORDER BY created_at, name").compactMap(Self.device).map { device in
                    var device = device
                    device.replicas = replicas[device.id] ?? []
                    device.webReplica = web[device.id]
                    return device
                }
            }
        }
    }

    /// Revokes by id or name; returns the device, or nil if there is none.
    public func revokeDevice(_ idOrName: String, at time: String) throws(StoreError) -> Device? {
        try Self.run {
            try queue.write { db in
                try db.execute(sql: "UPDATE devices SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? OR name = ?",
                               arguments: [time, idOrName, idOrName])
                if try db.tableExists("review_sessions") {   // its review-page sessions end with it
                    try db.execute(sql: "DELETE FROM review_sessions WHERE device_id IN (SELECT id FROM devices WHERE id = ? OR name = ?)",
                                   arguments: [idOrName, idOrName])
                }
                return try Row.fetchOne(db, sql: "SELECT * FROM devices WHERE id = ? OR name = ?", arguments: [idOrName, idOrName])
                    .flatMap(Self.device)
            }
        }
    }

    public func device(tokenHash: String) async throws(StoreError) -> Device? {
        try await Self.run {
            try await queue.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM devices WHERE token_hash = ?", arguments: [tokenHash]).flatMap(Self.device)
            }
        }
    }

    /// The size of the database file and its write-ahead log, in bytes.
    public func fileSize() -> Int64 {
        [path, path + "-wal"].reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int64) ?? 0)
        }
    }

    static func device(_ row: Row) -> Device? {
        guard let role = Device.Role(rawValue: row["role"]) else { return nil }
        return Device(id: row["id"], name: row["name"], role: role, org: row["org"], district: row["district"],
                      createdAt: row["created_at"], revokedAt: row["revoked_at"])
    }

    /// Ops of a query selecting `seq, id, collection, record, field, kind, value, pred` (and `batch`, if a
    /// ninth column), read through the C API: a pull reads thousands of rows per request.
    static func loggedOps(_ db: Database, sql: String, arguments: StatementArguments) throws -> [LoggedOp] {
        let statement = try db.cachedStatement(sql: sql)
        try statement.setArguments(arguments)
        let s = statement.sqliteStatement
        defer { sqlite3_reset(s) }
        let withBatch = sqlite3_column_count(s) > 8
        var out = [LoggedOp]()
        while true {
            let rc = sqlite3_step(s)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            guard let id = columnID(s, 1), let collection = CollectionName(rawValue: columnText(s, 2)) else { continue }
            out.append(LoggedOp(seq: sqlite3_column_int64(s, 0),
                                op: Op(id: id, collection: collection, record: columnText(s, 3), field: columnText(s, 4),
                                       value: columnValue(s, kind: 5, value: 6), pred: columnIDs(s, 7)),
                                batch: withBatch && sqlite3_column_type(s, 8) != SQLITE_NULL ? sqlite3_column_int64(s, 8) : nil))
        }
        return out
    }

    /// A row of `seq, id, collection, record, field, kind, value, pred`.
    static func loggedOp(_ row: Row) -> LoggedOp? {
        guard let id = OpID(bytes: [UInt8](row[1] as Data)), let c = CollectionName(rawValue: row[2]) else { return nil }
        return LoggedOp(seq: row[0], op: Op(id: id, collection: c, record: row[3], field: row[4],
                                            value: StoredValue.value(kind: row[5], column: row[6]), pred: StoredValue.ids(row[7])))
    }
}
