import Foundation
import GRDB
import SunsyncModel

// Person keys on a laptop: the store keeps the secret they are made with (its own until a server gives
// the deployment's), and moves its records to the server's secret at the first sync that brings it.
extension Store {
    /// The secret this store's person keys are made with.
    public func personKeys() throws(StoreError) -> PersonKeys {
        guard let keys = try Self.run({ try queue.read { db in try OpLog.personKeys(db) } }) else {
            throw StoreError(.notAStore, "\(path) has no person-key secret; it is damaged")
        }
        return keys
    }

    /// Makes `keys` (a server's, from its session) this store's secret: a store made offline, or keyed
    /// before secrets, has its records' ids rewritten once, in one transaction (`OpLog.rekeyPeople`), and
    /// its day entries made again. Nil when the store has that secret already.
    /// `starting(people)` is called before a rewrite begins, to say so (a district-year takes some 20 s).
    public func adoptPersonKeys(_ keys: PersonKeys, starting: (Int) -> Void = { _ in }) throws(StoreError) -> OpLog.Rekeyed? {
        try Self.run {
            try queue.write { db in
                let current = try OpLog.personKeys(db)
                guard current != keys else { return nil }
                return try Self.rekey(to: keys, old: current.map { c in { c.key($0) } } ?? PersonKeys.unkeyed, db, starting: starting)
            }
        }
    }

    static func rekey(to keys: PersonKeys, old: @escaping (ResidentID) -> String, _ db: Database, starting: (Int) -> Void = { _ in }) throws -> OpLog.Rekeyed {
        let done = try OpLog.rekeyPeople(to: keys, old: old, db, starting: starting)
        if done.ops > 0, try db.tableExists("day_entries") { try DayEntries.rebuild(db) }
        return done
    }
}
