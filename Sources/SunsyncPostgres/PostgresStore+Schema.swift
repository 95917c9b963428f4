import Foundation
import Logging
import NIOCore
import PostgresNIO
import SunsyncModel
import SunsyncServerStore
import SunsyncStore

// The schema: append-only migrations, and the epoch a restore renews.
extension PostgresStore {
    // MARK: Schema

    /// Append-only: a migration, once released, is never changed; a change is a new one at the end.
    static let migrations: [(name: String, sql: String)] = [
        ("pg-v1-op-log", """
            CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
            CREATE SEQUENCE ops_seq;
            -- The op log. value: kind 0 null, 1 bool (num), 2 integer (num), 3 text (txt), 4 date (txt, YYYY-MM-DD).
            -- pred: the replaced op ids, 16 bytes each. org: the org a record belongs to (the pull scope).
            -- day: an hours or lunch record's work date, days since 1970 (NULL for other records).
            CREATE TABLE ops (
                seq bigint PRIMARY KEY,
                id bytea NOT NULL UNIQUE,
                collection text NOT NULL,
                record text NOT NULL,
                field text NOT NULL,
                kind smallint NOT NULL,
                num bigint NOT NULL,
                txt text NOT NULL,
                pred bytea NOT NULL,
                org text NOT NULL,
                day integer
            );
            CREATE INDEX ops_by_org ON ops (org, seq);
            CREATE INDEX ops_by_record ON ops (collection, record);
            CREATE INDEX ops_by_day ON ops (day) WHERE day IS NOT NULL;
            CREATE TABLE devices (
                id text PRIMARY KEY, name text NOT NULL UNIQUE, role text NOT NULL, org text, district text,
                token_hash text NOT NULL UNIQUE, created_at text NOT NULL, revoked_at text
            );
            CREATE TABLE device_replicas (
                device_id text NOT NULL, replica text NOT NULL, first_seen text NOT NULL, last_seen text NOT NULL,
                PRIMARY KEY (device_id, replica)
            );
            CREATE TABLE device_web_replicas (device_id text PRIMARY KEY, replica text NOT NULL);
            CREATE TABLE review_sessions (id_hash text PRIMARY KEY, device_id text NOT NULL, created_at text NOT NULL, expires_at bigint NOT NULL);
            CREATE INDEX review_sessions_by_device ON review_sessions (device_id);
            -- The last timestamp of each replica the server writes from (its own, reviewers' web replicas),
            -- so that processes writing for one replica never make the same op id.
            CREATE TABLE replica_clocks (replica text PRIMARY KEY, last bigint NOT NULL);
            """),
        // A replica id belongs to the device that first pushed from it, for good; the server's own replica and
        // its devices' web replicas are the server's (owner 'server'; the server's replica is bound in
        // `migrate` once it exists). The server's clocks move past any op already held under their replicas.
        ("pg-v2-replica-owners", """
            CREATE TABLE replica_owners (replica text PRIMARY KEY, owner text NOT NULL, bound_at text NOT NULL);
            INSERT INTO replica_owners SELECT replica, 'server', '' FROM device_web_replicas ON CONFLICT DO NOTHING;
            INSERT INTO replica_owners SELECT DISTINCT ON (replica) replica, device_id, first_seen FROM device_replicas
                ORDER BY replica, first_seen, device_id ON CONFLICT DO NOTHING;
            INSERT INTO replica_owners SELECT value, 'server', '' FROM meta WHERE key = 'replica' ON CONFLICT DO NOTHING;
            INSERT INTO replica_clocks (replica, last)
                SELECT o.replica, max(('x' || encode(substring(ops.id from 1 for 8), 'hex'))::bit(64)::bigint)
                FROM replica_owners o JOIN ops ON substring(ops.id from 9 for 8) = decode(o.replica, 'hex')
                WHERE o.owner = 'server' GROUP BY o.replica
                ON CONFLICT (replica) DO UPDATE SET last = greatest(replica_clocks.last, excluded.last);
            """),
        ("pg-v3-signatures", signaturesMigration),
        // Revealing full certificate numbers is a permission per device (PIPL art. 51).
        ("pg-v4-may-reveal", "ALTER TABLE devices ADD COLUMN may_reveal boolean NOT NULL DEFAULT false"),
        // The review page's months, kept across restarts (`keptView`).
        ("pg-v5-review-views", "CREATE TABLE review_views (key text PRIMARY KEY, body text NOT NULL)"),
    ]

    func migrate() async throws {
        try await transaction { conn in
            try await conn.query("SELECT pg_advisory_xact_lock(\(Self.migrateLock))", logger: self.logger)
            try await conn.query("CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                                 logger: self.logger)
            var applied = Set<String>()
            for try await name in try await conn.query("SELECT name FROM schema_migrations", logger: self.logger).decode(String.self) {
                applied.insert(name)
            }
            let known = Set(Self.migrations.map(\.name))
            if let unknown = applied.subtracting(known).sorted().first {
                throw StoreError(.newerFormat, "\(self.location) was migrated by a newer sunsync-server (\(unknown)); run that version (or newer)")
            }
            for migration in Self.migrations where !applied.contains(migration.name) {
                // One statement at a time (the extended protocol takes one); each ends a line with ';'.
                for statement in migration.sql.components(separatedBy: ";\n") where !statement.allSatisfy(\.isWhitespace) {
                    try await conn.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                }
                try await conn.query("INSERT INTO schema_migrations(name) VALUES (\(migration.name))", logger: self.logger)
            }
            let epoch = EditWriter.newReplica().description, replica = EditWriter.newReplica().description
            try await conn.query("INSERT INTO meta(key, value) VALUES ('epoch', \(epoch)) ON CONFLICT DO NOTHING", logger: self.logger)
            try await conn.query("INSERT INTO meta(key, value) VALUES ('replica', \(replica)) ON CONFLICT DO NOTHING", logger: self.logger)
            try await conn.query("INSERT INTO replica_owners SELECT value, 'server', '' FROM meta WHERE key = 'replica' ON CONFLICT DO NOTHING",
                                 logger: self.logger)
            try await self.makePersonKeys(conn)
        }
    }

    /// Gives the database a new epoch: after a restore (pg_restore, point-in-time recovery), so that
    /// laptops send their changes again and pull from the start (SPEC §9).
    public func renewEpoch() async throws -> String {
        let epoch = EditWriter.newReplica().description
        try await query("UPDATE meta SET value = \(epoch) WHERE key = 'epoch'")
        return epoch
    }
}
