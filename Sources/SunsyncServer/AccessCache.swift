import Synchronization
import SunsyncModel
import SunsyncServerStore

/// What every request reads of access: the device a token names, a district's orgs, org records. Kept in
/// memory while the store's `accessStamp()` is unchanged (no device and no org changed since, in this process
/// or another: an administration command, another server on the same PostgreSQL), a minute at most (a command
/// stopped between its commit and its stamp), and never while the store cannot tell. A revoked token is
/// refused at its next request. A token not known is never kept, so guessed tokens cannot fill memory.
final class AccessCache: Sendable {
    private struct Kept<Value: Sendable>: Sendable {
        let value: Value
        let stamp: AccessStamp
        let at: ContinuousClock.Instant
    }

    /// The longest anything is kept.
    static let longest = Duration.seconds(60)
    /// Past this many entries of a kind, all of that kind are forgotten (org keys come from pushed ops).
    static let most = 10_000

    private let devices = Mutex<[String: Kept<Device>]>([:])
    private let districts = Mutex<[String: Kept<[String]>]>([:])
    private let orgs = Mutex<[String: Kept<RecordState?>]>([:])

    private static func fresh<Value>(_ kept: Kept<Value>?, _ stamp: AccessStamp?, _ now: ContinuousClock.Instant) -> Value? {
        guard let kept, let stamp, kept.stamp == stamp, now - kept.at < longest else { return nil }
        return kept.value
    }

    private static func keep<Value>(_ value: Value, _ key: String, _ stamp: AccessStamp, _ now: ContinuousClock.Instant,
                                    in table: borrowing Mutex<[String: Kept<Value>]>) {
        table.withLock { kept in
            if kept.count >= most { kept.removeAll() }
            kept[key] = Kept(value: value, stamp: stamp, at: now)
        }
    }

    /// The device whose token hashes to `tokenHash`, as `store.device(tokenHash:)`.
    func device(tokenHash: String, _ store: any ServerStore) async throws -> Device? {
        // The stamp is read before the database: a change that lands meanwhile changes it, and what is read is kept under the old one.
        let stamp = store.accessStamp(), now = ContinuousClock.now
        if let device = Self.fresh(devices.withLock({ $0[tokenHash] }), stamp, now) { return device }
        let device = try await store.device(tokenHash: tokenHash)
        if let device, let stamp { Self.keep(device, tokenHash, stamp, now, in: devices) }
        return device
    }

    /// A district's orgs, as `store.orgs(inDistrict:)`.
    func orgs(inDistrict district: String, _ store: any ServerStore) async throws -> [String] {
        let stamp = store.accessStamp(), now = ContinuousClock.now
        if let orgs = Self.fresh(districts.withLock({ $0[district] }), stamp, now) { return orgs }
        let orgs = try await store.orgs(inDistrict: district)
        if let stamp { Self.keep(orgs, district, stamp, now, in: districts) }
        return orgs
    }

    /// The merged records of these orgs (those that exist), as `store.records(_:)`; those not kept read in one call.
    func orgRecords(_ codes: Set<String>, _ store: any ServerStore) async throws -> [RecordKey: RecordState] {
        let stamp = store.accessStamp(), now = ContinuousClock.now
        var found = [RecordKey: RecordState]()
        var missing = [String]()
        orgs.withLock { kept in
            for code in codes {
                if let record = Self.fresh(kept[code], stamp, now) {
                    if let record { found[RecordKey(collection: .orgs, id: code)] = record }
                } else {
                    missing.append(code)
                }
            }
        }
        guard !missing.isEmpty else { return found }
        let read = try await store.records(missing.map { RecordKey(collection: .orgs, id: $0) })
        for code in missing {
            let key = RecordKey(collection: .orgs, id: code)
            if let record = read[key] { found[key] = record }
            if let stamp { Self.keep(read[key], code, stamp, now, in: orgs) }
        }
        return found
    }
}
