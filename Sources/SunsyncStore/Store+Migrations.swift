import GRDB

extension Store {
    /// Append-only: never edit a shipped migration; add the next one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-op-log") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                -- Every op ever seen: the audit trail. seq is the local arrival order.
                CREATE TABLE ops (
                    seq INTEGER PRIMARY KEY,
                    id BLOB NOT NULL UNIQUE,
                    collection TEXT NOT NULL,
                    record TEXT NOT NULL,
                    field TEXT NOT NULL,
                    kind INTEGER NOT NULL,
                    value,
                    pred BLOB NOT NULL
                );
                CREATE INDEX ops_by_record ON ops(collection, record);
                -- The current values of every field (the merged state), one row per current op.
                CREATE TABLE current (
                    collection TEXT NOT NULL,
                    record TEXT NOT NULL,
                    field TEXT NOT NULL,
                    op_id BLOB NOT NULL,
                    kind INTEGER NOT NULL,
                    value,
                    PRIMARY KEY (collection, record, field, op_id)
                ) WITHOUT ROWID;
                -- Every id some op of the field names in pred: an op arriving after its replacement stays replaced.
                CREATE TABLE replaced (
                    op_id BLOB NOT NULL,
                    collection TEXT NOT NULL,
                    record TEXT NOT NULL,
                    field TEXT NOT NULL,
                    PRIMARY KEY (op_id, collection, record, field)
                ) WITHOUT ROWID;
                -- Local ops no server has acknowledged yet.
                CREATE TABLE outbox (seq INTEGER PRIMARY KEY REFERENCES ops(seq));
                """)
        }
        return migrator
    }
}
