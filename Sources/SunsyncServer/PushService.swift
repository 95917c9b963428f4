import Foundation
import Synchronization
import SunsyncModel
import SunsyncProtocol
import SunsyncServerStore
import SunsyncStore

/// The rules an op must pass before the server holds it, in one place (SPEC §6 and §9): the schema,
/// the device's scope, its clock, the replica it writes under, and whole records. `/v1/push` admits
/// pushed ops through `admit`; the review page checks the ops of a decision with `refusal` (a decision
/// is written from the server's own replica and touches review fields only, so binding and whole
/// records do not apply to it); administrators' writes are the server's own and pass the schema in `Edit`.
struct PushService: Sendable {
    let store: any ServerStore
    /// How far ahead of the server's clock an op may be stamped.
    let maxClockSkewMilliseconds: UInt64
    /// The deployment's secret for person keys: a certificate must be the person's its record's id names.
    /// Nil where no certificate is written (the review page's decisions).
    var personKeys: PersonKeys? = nil
    /// What this process has read of keys and replica owners: neither changes once made, so a push needs
    /// the database only for what it has not seen.
    var known = Known()

    final class Known: Sendable {
        let keys = Mutex<[String: SigningKey]>([:])
        let owners = Mutex<[ReplicaID: String]>([:])
        /// Participants seen whole: they stay whole (their four fields are required, none can be cleared).
        let whole = Mutex<Set<RecordKey>>([])
        /// Devices by token and org records, while the store says none changed.
        let access = AccessCache()
    }

    func key(_ id: String) async throws -> SigningKey? {
        if let key = known.keys.withLock({ $0[id] }) { return key }
        let all = try await store.signingKeys()
        known.keys.withLock { keys in for k in all { keys[k.id] = k } }
        return all.first { $0.id == id }
    }

    /// `store.bindReplicas`, asked only for replicas this process has not seen bound to `owner`.
    func bind(_ replicas: Set<ReplicaID>, to owner: String, at time: String) async throws -> Set<ReplicaID> {
        let unknown = known.owners.withLock { owners in replicas.filter { owners[$0] != owner } }
        guard !unknown.isEmpty else { return [] }
        let taken = try await store.bindReplicas(unknown, to: owner, at: time)
        known.owners.withLock { owners in for r in unknown where !taken.contains(r) { owners[r] = owner } }
        return taken
    }

    /// Each op's own rules: its schema, the device's scope and role, and its clock. Nil if it passes.
    func refusal(_ op: Op, _ access: Access, now: UInt64) -> PushResponse.Rejection? {
        do { try Schema.validate(op); try personKeys?.check(op) } catch {
            return .init(id: op.id.description, code: error.code.rawValue, reason: error.message)
        }
        if let refusal = access.refusal(op) { return .init(id: op.id.description, code: refusal.code, reason: refusal.reason) }
        let stamped = op.id.timestamp.milliseconds
        if stamped > now + maxClockSkewMilliseconds {
            let ahead = (stamped - now) / 60_000
            return .init(id: op.id.description, code: ProblemCode.clockAhead.rawValue,
                         reason: "the op is stamped \(ahead) minutes ahead of the server's clock: the clock of device \(access.device.name) (replica \(op.id.replica)) is wrong; set its date and time")
        }
        return nil
    }

    /// The push's signature checked (SPEC §9): signed by a key of the pushing device, over every op it
    /// sends, all of one org. Refuses the whole push otherwise (nothing of it is held; the laptop keeps it all).
    func checkSignature(_ pushed: PushRequest, _ access: Access) async throws -> (key: String, signature: [UInt8], digests: [[UInt8]]) {
        guard let batch = pushed.batch else {
            throw ServerError(.badRequest, "unsigned", "this server holds only signed changes: update sunsync on device \(access.device.name); nothing was lost, its changes wait to be sent")
        }
        guard let key = try await key(batch.key) else {
            throw ServerError(.badRequest, "unknown-key", "key \(batch.key) is not registered on this server; `sunsync sync` registers this laptop's key by itself")
        }
        guard key.owner == access.device.id else {
            throw ServerError(.forbidden, "not-your-key", "key \(batch.key) belongs to another device; device \(access.device.name) signs with its own key")
        }
        var ops = [Op]()
        for item in pushed.ops {
            switch item.result {
            case .success(let op): ops.append(op)
            case .failure(let error):
                throw ServerError(.badRequest, "bad-signature", "op \(item.id) cannot be read (\(error.message)), so the push's signature cannot be checked; nothing was held")
            }
        }
        if Set(ops.map { MergedState.org(of: $0.key) }).count > 1 {
            throw ServerError(.badRequest, "batch-spans-orgs", "a signed push holds the changes of one organization; send each organization's in its own push")
        }
        let digests = ops.map(Signing.digest)
        guard let signature = Hex.decode(batch.signature), signature.count == 64,
              Signing.isValid(signature: signature, publicKey: key.publicKey, message: Signing.message(keyID: key.id, digests: digests)) else {
            throw ServerError(.badRequest, "bad-signature", "the push's signature does not match its changes (key \(key.id) of \(access.device.name)); nothing was held")
        }
        return (key.id, signature, digests)
    }

    /// Sorts pushed ops into those the store may hold and those refused, each with its code and reason,
    /// and the signature that the held ones go under (their places in what was signed).
    /// Binds the replicas of ops that pass their own rules to the device (SPEC §9), so it reads the store.
    func admit(_ pushed: PushRequest, _ access: Access, now: UInt64, at time: String) async throws
        -> (accepted: [Op], rejected: [PushResponse.Rejection], signed: PushSignature) {
        let signature = try await checkSignature(pushed, access)
        var placed = [(place: Int, op: Op)]()
        var rejected = [PushResponse.Rejection]()
        for (place, item) in pushed.ops.enumerated() {
            switch item.result {
            case .failure(let error): rejected.append(.init(id: item.id, code: error.code.rawValue, reason: error.message))
            case .success(let op):
                if let refusal = refusal(op, access, now: now) { rejected.append(refusal) } else { placed.append((place, op)) }
            }
        }
        var candidates = placed.map(\.op)
        // Replicas belong to the device that first wrote under them; the server's own are the server's.
        let taken = try await bind(Set(candidates.map(\.id.replica)), to: access.device.id, at: time)
        if !taken.isEmpty {
            candidates.removeAll { op in
                guard taken.contains(op.id.replica) else { return false }
                rejected.append(.init(id: op.id.description, code: ProblemCode.replicaTaken.rawValue,
                                      reason: "op \(op.id) is written under replica \(op.id.replica), which belongs to another device or to the server; "
                                          + "device \(access.device.name) may write only under its own replica (sunsync moves to a new one by itself)"))
                return true
            }
        }
        let retired = try await retiredOrgRefusals(candidates)
        if !retired.isEmpty {
            candidates.removeAll { retired[$0.id] != nil }
            rejected += retired.values.sorted { $0.id < $1.id }
        }
        let rewritten = try await revealRewrites(candidates)
        if !rewritten.isEmpty {
            candidates.removeAll { rewritten[$0.id] != nil }
            rejected += rewritten.values.sorted { $0.id < $1.id }
        }
        let whole = try await wholeRecordRefusals(candidates)
        if !whole.isEmpty {
            candidates.removeAll { whole[$0.id] != nil }
            rejected += whole.values.sorted { $0.id < $1.id }
        }
        let kept = Set(candidates.map(\.id))
        let places = placed.filter { kept.contains($0.op.id) }.map(\.place)
        return (candidates, rejected, PushSignature(key: signature.key, signature: signature.signature, digests: signature.digests, places: places))
    }

    /// A retired org is closed to new entries (SPEC §9): participants, hours and lunches of an org whose
    /// `active` is false are refused, except review fields (a reviewer still decides) and deleting a day.
    func retiredOrgRefusals(_ ops: [Op]) async throws -> [OpID: PushResponse.Rejection] {
        func entry(_ op: Op) -> Bool {
            guard [.participants, .hours, .lunches].contains(op.collection), !Schema.reviewFields.contains(op.field) else { return false }
            return !(op.field == "deleted" && op.value == .bool(true))
        }
        let orgs = Set(ops.filter(entry).map { MergedState.org(of: $0.key) })
        guard !orgs.isEmpty else { return [:] }
        let held = try await known.access.orgRecords(orgs, store)
        let retired = Set(held.compactMap { key, record in record.displayed("active") == .bool(false) ? key.id : nil })
        guard !retired.isEmpty else { return [:] }
        var refused = [OpID: PushResponse.Rejection]()
        for op in ops where entry(op) && retired.contains(MergedState.org(of: op.key)) {
            let org = MergedState.org(of: op.key)
            refused[op.id] = .init(id: op.id.description, code: ProblemCode.orgInactive.rawValue,
                                   reason: "\(op.key): \(org) was retired by the district and takes no new entries; "
                                       + "if these records are real, ask the administrator to run `sunsync-server org activate \(org)`")
        }
        return refused
    }

    /// A reveal record is written once (SPEC §9): an op on a field of one that the store holds under
    /// another op id, or two in one push, is refused. Resending the op held is not a rewrite.
    func revealRewrites(_ ops: [Op]) async throws -> [OpID: PushResponse.Rejection] {
        let reveals = ops.filter { $0.collection == .reveals }
        guard !reveals.isEmpty else { return [:] }
        let held = try await store.records(Array(Set(reveals.map(\.key))))
        var refused = [OpID: PushResponse.Rejection](), seen = [String: OpID]()
        for op in reveals {
            let place = op.key.description + "\u{0}" + op.field
            let heldIDs = held[op.key]?.field(op.field)?.current.map(\.id) ?? []
            let first = seen[place] ?? heldIDs.first
            if let first, first != op.id || heldIDs.count > 1 {
                refused[op.id] = .init(id: op.id.description, code: ProblemCode.forbidden.rawValue,
                                       reason: "\(op.key) is a reveal record: its '\(op.field)' was written by op \(first) and is never changed")
            } else {
                seen[place] = op.id
            }
        }
        return refused
    }

    /// Records whole before they count (SPEC §6): a participant holds a name, a certificate number, a
    /// contract and its start once the push is held (sent together, or held already); hours and lunches
    /// name a participant so registered at that org. Review fields, and deleting a day, are exempt: a
    /// reviewer may reject, and a base may delete, what should never have been recorded.
    func wholeRecordRefusals(_ ops: [Op]) async throws -> [OpID: PushResponse.Rejection] {
        func participant(of op: Op) -> RecordKey? {
            guard !Schema.reviewFields.contains(op.field) else { return nil }
            switch op.collection {
            case .participants: return op.key
            case .hours, .lunches:
                if op.field == "deleted", op.value == .bool(true) { return nil }
                return NaturalKey.participant(of: op.key).map { RecordKey(collection: .participants, id: $0) }
            case .orgs, .reveals: return nil
            }
        }
        let seenWhole = known.whole.withLock { $0 }
        let checked = ops.compactMap { op in participant(of: op).flatMap { seenWhole.contains($0) ? nil : (op, $0) } }
        guard !checked.isEmpty else { return [:] }
        let people = Set(checked.map(\.1))
        var state = MergedState()
        for (key, record) in try await store.records(Array(people)) { state.replace(key, with: record) }
        for op in ops where op.collection == .participants { state.apply(op) }
        var refused = [OpID: PushResponse.Rejection]()
        var nowWhole = Set<RecordKey>()
        let pushedPeople = Set(ops.filter { $0.collection == .participants }.map(\.key))
        defer {
            // Held whole before this push (what the push adds is not held yet): known whole from now on.
            let held = nowWhole
            known.whole.withLock { $0.formUnion(held) }
        }
        for (op, key) in checked {
            let missing = Schema.missingForWhole(state[key])
            guard !missing.isEmpty else {
                if !pushedPeople.contains(key) { nowWhole.insert(key) }
                continue
            }
            let (code, reason): (ProblemCode, String)
            if state[key] == nil {
                (code, reason) = (.unknownParticipant, "\(op.key): no participant \(key.id) is registered at \(MergedState.org(of: key)); register the participant (name, 残疾人证号, contract and its start) first")
            } else if op.collection == .participants {
                (code, reason) = (.incompleteRecord, "participant \(key.id) would have no \(missing.joined(separator: ", ")): a participant is registered with name, 残疾人证号, contract and contract start together")
            } else {
                (code, reason) = (.incompleteRecord, "\(op.key): participant \(key.id) is not registered whole (no \(missing.joined(separator: ", "))); complete the participant first")
            }
            refused[op.id] = .init(id: op.id.description, code: code.rawValue, reason: reason)
        }
        return refused
    }
}
