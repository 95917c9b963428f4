import Foundation
import GRDB
import SunsyncModel

/// An op as the log holds it: the op and its local arrival number.
public struct LoggedOp: Hashable, Sendable {
    public let seq: Int64
    public let op: Op
}

extension Store {
    /// The merged state of the whole store, or of some collections. Built from the current values.
    public func mergedState(_ collections: [CollectionName]? = nil) throws(StoreError) -> MergedState {
        try Self.run {
            try queue.read { db in
                var state = MergedState()
                for collection in collections ?? CollectionName.allCases {
                    for (key, record) in try Self.records(db, collection: collection, id: nil) {
                        for field in record.fields {
                            for entry in field.state.current {
                                state.apply(Op(id: entry.id, collection: key.collection, record: key.id, field: field.name, value: entry.value))
                            }
                        }
                    }
                }
                return state
            }
        }
    }

    public func record(_ key: RecordKey) throws(StoreError) -> RecordState? {
        try Self.run { try queue.read { db in try Self.records(db, collection: key.collection, id: key.id)[key] } }
    }

    /// Every op that touched the records, oldest first (by id).
    public func history(of keys: [RecordKey]) throws(StoreError) -> [LoggedOp] {
        try Self.run {
            try queue.read { db in
                try keys.flatMap { key in
                    try Self.loggedOps(db, sql: """
                        SELECT seq, id, collection, record, field, kind, value, pred FROM ops
                        WHERE rkey = ? AND collection = ? AND record = ?
                        """, arguments: [Self.recordHash(key.collection, key.id), key.collection.rawValue, key.id])
                }.sorted { $0.op.id < $1.op.id }
            }
        }
    }

    static func records(_ db: Database, collection: CollectionName, id: String?) throws -> [RecordKey: RecordState] {
        let rows: [Row]
        let select = "SELECT ops.record, ops.field, ops.id, ops.kind, ops.value FROM ops JOIN current ON current.op_id = ops.id"
        if let id {
            rows = try Row.fetchAll(db, sql: select + " WHERE ops.rkey = ? AND ops.collection = ? AND ops.record = ?",
                                    arguments: [Self.recordHash(collection, id), collection.rawValue, id])
        } else {
            let keys = collectionRange(collection)
            rows = try Row.fetchAll(db, sql: select + " WHERE ops.rkey BETWEEN ? AND ? AND ops.collection = ?",
                                    arguments: [keys.lowerBound, keys.upperBound, collection.rawValue])
        }
        var state = MergedState()
        for row in rows {
            guard let opID = OpID(bytes: [UInt8](row[2] as Data)) else { continue }
            state.apply(Op(id: opID, collection: collection, record: row[0], field: row[1], value: StoredValue.value(kind: row[3], column: row[4])))
        }
        return state.records
    }
}
