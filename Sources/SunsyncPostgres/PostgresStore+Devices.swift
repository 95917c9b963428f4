import Foundation
import Logging
import NIOCore
import PostgresNIO
import SunsyncModel
import SunsyncServerStore
import SunsyncStore

// Devices and the replicas they push from, review page sessions, settings.
extension PostgresStore {
    // MARK: Devices

    public func addDevice(_ device: Device, tokenHash: String) async throws {
        defer { access.changed() }
        try await transaction { conn in
            try await self.notifyAccessChanged(conn)
            if try await Self.first(conn.query("SELECT EXISTS (SELECT 1 FROM devices WHERE name = \(device.name))", logger: self.logger), Bool.self) == true {
                throw StoreError(.invalid, "a device named '\(device.name)' already exists; choose another name")
            }
            try await conn.query("""
                INSERT INTO devices(id, name, role, org, district, token_hash, created_at, may_reveal)
                VALUES (\(device.id), \(device.name), \(device.role.rawValue), \(device.org), \(device.district), \(tokenHash), \(device.createdAt), \(device.mayReveal))
                """, logger: self.logger)
        }
    }

    public func devices() async throws -> [Device] {
        var replicas = [String: [String]]()
        for try await (device, replica) in try await query("SELECT device_id, replica FROM device_replicas ORDER BY first_seen, replica")
            .decode((String, String).self) {
            replicas[device, default: []].append(replica)
        }
        var web = [String: String]()
        for try await (device, replica) in try await query("SELECT device_id, replica FROM device_web_replicas").decode((String, String).self) {
            web[device] = replica
        }
        return try await devices("SELECT \(unescaped: Self.deviceColumns) FROM devices ORDER BY created_at, name").map { device in
            var device = device
            device.replicas = replicas[device.id] ?? []
            device.webReplica = web[device.id]
            return device
        }
    }

    public func revokeDevice(_ idOrName: String, at time: String) async throws -> Device? {
        defer { access.changed() }
        return try await transaction { conn in
            try await self.notifyAccessChanged(conn)
            try await conn.query("UPDATE devices SET revoked_at = coalesce(revoked_at, \(time)) WHERE id = \(idOrName) OR name = \(idOrName)",
                                 logger: self.logger)
            try await conn.query("""
                DELETE FROM review_sessions WHERE device_id IN (SELECT id FROM devices WHERE id = \(idOrName) OR name = \(idOrName))
                """, logger: self.logger)
            return try await Self.devices(conn.query("SELECT \(unescaped: Self.deviceColumns) FROM devices WHERE id = \(idOrName) OR name = \(idOrName)",
                                                     logger: self.logger)).first
        }
    }

    public func setMayReveal(_ idOrName: String, _ allowed: Bool) async throws -> Device? {
        defer { access.changed() }
        return try await transaction { conn in
            try await self.notifyAccessChanged(conn)
            try await conn.query("UPDATE devices SET may_reveal = \(allowed) WHERE id = \(idOrName) OR name = \(idOrName)", logger: self.logger)
            return try await Self.devices(conn.query("SELECT \(unescaped: Self.deviceColumns) FROM devices WHERE id = \(idOrName) OR name = \(idOrName)",
                                                     logger: self.logger)).first
        }
    }

    /// Every request asks this: a statement prepared once per connection.
    public func device(tokenHash: String) async throws -> Device? {
        try await run {
            for try await row in try await client.execute(DeviceByToken(tokenHash: tokenHash), logger: logger) {
                return Self.device(row)
            }
            return nil
        }
    }

    struct DeviceByToken: PostgresPreparedStatement {
        static let name = "sunsync_device_by_token"
        static let sql = "SELECT \(deviceColumns) FROM devices WHERE token_hash = $1"
        typealias Row = DeviceRow
        let tokenHash: String

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(tokenHash)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    static let deviceColumns = "devices.id, devices.name, devices.role, devices.org, devices.district, devices.created_at, devices.revoked_at, devices.may_reveal"
    typealias DeviceRow = (String, String, String, String?, String?, String, String?, Bool)

    static func device(_ row: DeviceRow) -> Device? {
        let (id, name, role, org, district, created, revoked, mayReveal) = row
        guard let role = Device.Role(rawValue: role) else { return nil }
        var device = Device(id: id, name: name, role: role, org: org, district: district, createdAt: created, revokedAt: revoked)
        device.mayReveal = mayReveal
        return device
    }

    private func devices(_ sql: PostgresQuery) async throws -> [Device] {
        try await Self.devices(query(sql))
    }

    private static func devices(_ rows: PostgresRowSequence) async throws -> [Device] {
        var devices = [Device]()
        for try await row in rows.decode(DeviceRow.self) {
            if let device = device(row) { devices.append(device) }
        }
        return devices
    }

    // MARK: Replica owners

    public func bindReplicas(_ replicas: Set<ReplicaID>, to owner: String, at time: String) async throws -> Set<ReplicaID> {
        guard !replicas.isEmpty else { return [] }
        let texts = replicas.map(\.description)
        try await query("""
            INSERT INTO replica_owners(replica, owner, bound_at) SELECT r, \(owner), \(time) FROM unnest(\(texts)::text[]) AS u(r)
            ON CONFLICT DO NOTHING
            """)
        var found = [ReplicaID: String]()
        for try await (replica, holder) in try await query("SELECT replica, owner FROM replica_owners WHERE replica = ANY(\(texts))")
            .decode((String, String).self) {
            if let id = ReplicaID(hex: replica) { found[id] = holder }
        }
        return replicas.filter { found[$0] != owner }
    }

    // MARK: Review page sessions

    public func startReviewSession(idHash: String, device: String, at time: String, expires: Int64, now: Int64) async throws {
        try await transaction { conn in
            try await conn.query("DELETE FROM review_sessions WHERE expires_at <= \(now)", logger: self.logger)
            try await conn.query("""
                INSERT INTO review_sessions(id_hash, device_id, created_at, expires_at) VALUES (\(idHash), \(device), \(time), \(expires))
                """, logger: self.logger)
        }
    }

    public func reviewSession(idHash: String, now: Int64) async throws -> Device? {
        try await devices("""
            SELECT \(unescaped: Self.deviceColumns) FROM review_sessions JOIN devices ON devices.id = review_sessions.device_id
            WHERE review_sessions.id_hash = \(idHash) AND review_sessions.expires_at > \(now) AND devices.revoked_at IS NULL
            """).first
    }

    public func endReviewSession(idHash: String) async throws {
        try await query("DELETE FROM review_sessions WHERE id_hash = \(idHash)")
    }

    public func keptView(_ key: String) async throws -> String? {
        try await single("SELECT body FROM review_views WHERE key = \(key)", as: String.self)
    }

    public func keepView(_ key: String, _ body: String) async throws {
        try await query("INSERT INTO review_views(key, body) VALUES (\(key), \(body)) ON CONFLICT (key) DO UPDATE SET body = excluded.body")
    }

    // MARK: Settings

    public func rules() async throws -> Rules {
        guard let text = try await meta("rules") else { return Rules() }
        return try Store.rules(text)
    }

    /// Under a transaction-level advisory lock: another process changing the rules waits its turn.
    public func updateRules(_ change: @escaping @Sendable (inout Rules) throws -> Void) async throws -> Rules {
        try await transaction { conn in
            try await conn.query("SELECT pg_advisory_xact_lock(\(Self.rulesLock))", logger: self.logger)
            var rules = Rules()
            if let text = try await Self.first(conn.query("SELECT value FROM meta WHERE key = 'rules'", logger: self.logger), String.self) {
                rules = try Store.rules(text)
            }
            try change(&rules)
            let text = try Store.text(rules)
            try await conn.query("INSERT INTO meta(key, value) VALUES ('rules', \(text)) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                 logger: self.logger)
            return rules
        }
    }

    public func databaseBytes() async -> Int64? {
        try? await single("SELECT pg_database_size(current_database())", as: Int64.self)
    }
}
