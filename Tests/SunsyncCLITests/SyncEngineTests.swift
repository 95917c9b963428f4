import Foundation
import SunsyncClient
import Testing
import SunsyncModel
import SunsyncProtocol
import SunsyncStore
@testable import SunsyncCLI
import SunsyncTestSupport

/// The sync engine in process, against a fake server: what the laptop does with what it is sent, with no
/// socket and no timing to wait for.
struct SyncEngineTests {
    /// What the engine says, in English, as these tests read it (a person's default is Chinese: ChineseFirstTests).
    init() { Say.language = .en }

    /// A server that holds one page, signed by another laptop's key, and answers `GET /v1/devices` from a
    /// list of directories (the last repeated).
    final class FakeServer: SyncTransport, @unchecked Sendable {
        let page: PullResponse
        let directories: [DeviceDirectory]
        private let lock = NSLock()
        private var asked = 0

        init(page: PullResponse, directories: [DeviceDirectory]) {
            self.page = page
            self.directories = directories
        }

        var directoryReads: Int { lock.withLock { asked } }

        func session() async throws -> SessionInfo {
            SessionInfo(deviceId: "d-0", deviceName: "laptop-0", role: "staff", org: "MH-SB-001", district: nil, orgs: ["MH-SB-001"],
                        serverTime: 0, protocolVersion: 1, epoch: "e1")
        }
        func push(_ request: PushRequest) async throws -> PushResponse { PushResponse(accepted: [], rejected: []) }
        func pull(after cursor: Int64, limit: Int, count: Bool) async throws -> PullResponse { page }
        func registerKey(publicKey: [UInt8]) async throws -> KeyRegistered { KeyRegistered(key: Signing.keyID(publicKey: publicKey)) }
        func devices() async throws -> DeviceDirectory {
            lock.withLock {
                defer { asked += 1 }
                return directories[min(asked, directories.count - 1)]
            }
        }
    }

    /// Another laptop's two ops under its replica, signed by its key, as one page; and the directory that
    /// lists its key, before and after its first push bound the replica to it.
    static func otherLaptop() throws -> (page: PullResponse, before: DeviceDirectory, after: DeviceDirectory) {
        let replica = ReplicaID(0x222a_1511_0c16_24d9)
        let ops = ["name": Value.text("张三"), "note": .text("一")].sorted { $0.key < $1.key }.enumerated().map { i, field in
            Op(id: OpID(timestamp: Timestamp(milliseconds: 1_700_000_000_000, counter: UInt16(i)), replica: replica),
               collection: .participants, record: "MH-SB-001/ad70a1271ab25a67e712", field: field.key, value: field.value)
        }
        let privateKey = [UInt8](repeating: 7, count: 32)
        let publicKey = try Signing.publicKey(privateKey: privateKey)
        let keyID = Signing.keyID(publicKey: publicKey)
        let signature = try Signing.sign(Signing.message(keyID: keyID, digests: ops.map(Signing.digest)), privateKey: privateKey)
        let batch = PageBatch(SignedBatch(key: keyID, signature: signature, count: ops.count, holes: [:]), runs: PageBatch.runs(Array(ops.indices)))
        let page = PullResponse(ops: ops, cursor: 2, more: false, remaining: 2, batches: [batch])
        let key = DeviceDirectory.Key(key: keyID, publicKey: Hex.encode(publicKey), signer: "laptop-2")
        let entry = DeviceDirectory.Entry(replica: replica.description, device: "laptop-2", role: "staff", org: "MH-SB-001", district: nil, signer: "laptop-2")
        return (page, DeviceDirectory(devices: [], keys: [key]), DeviceDirectory(devices: [entry], keys: [key]))
    }

    static func laptop() throws -> (Store, String) {
        let dir = Scratch.path("sunsync-engine")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return (try Store.create(at: dir + "/store.sqlite", replica: ReplicaID(0x1111_2222_3333_4444)), dir)
    }

    /// Found by CI: a device's first push lands between this laptop's read of the directory and its pull.
    /// Its ops are checked again against the directory read anew, and applied.
    @Test func aReplicaBoundAfterTheDirectoryWasReadIsCheckedAgainstAFreshOne() async throws {
        let (page, before, after) = try Self.otherLaptop()
        let (store, dir) = try Self.laptop()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = FakeServer(page: page, directories: [before, after])
        let report = try await SyncEngine(store: store, transport: server).run(expectOrg: "MH-SB-001")
        #expect(report.pulled == 2)
        #expect(server.directoryReads == 2)
        let kept = try #require(try store.meta(SyncEngine.directoryKey))
        #expect(kept.contains("laptop-2"), "the fresh directory is the one kept, for `sunsync verify` and history")
    }

    /// A page that fails against the fresh directory too is refused, and nothing of it applied.
    @Test func aPageThatFailsAFreshDirectoryTooIsRefusedWhole() async throws {
        let (page, before, _) = try Self.otherLaptop()
        let (store, dir) = try Self.laptop()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = FakeServer(page: page, directories: [before])
        await #expect(throws: SyncError.self) { try await SyncEngine(store: store, transport: server).run(expectOrg: "MH-SB-001") }
        #expect(server.directoryReads == 2)
        #expect(try store.meta(SyncEngine.cursorKey) == nil, "the cursor did not move")
        #expect(try store.counts().ops == 0)
    }

    /// A server whose clock reads the real one plus `offset` (ms), read when asked (a loaded machine may take
    /// a minute between two syncs), and takes ops stamped at most 5 minutes after it.
    final class ClockServer: SyncTransport, @unchecked Sendable {
        let offset: Int64
        var serverTime: Int64 { Int64(Date().timeIntervalSince1970 * 1000) + offset }
        private let lock = NSLock()
        private var heldOps = [Op]()

        init(offset: Int64) { self.offset = offset }
        var held: [Op] { lock.withLock { heldOps } }

        func session() async throws -> SessionInfo {
            SessionInfo(deviceId: "d-0", deviceName: "laptop-0", role: "staff", org: "MH-SB-001", district: nil, orgs: ["MH-SB-001"],
                        serverTime: serverTime, protocolVersion: 1, epoch: "e1")
        }
        func push(_ request: PushRequest) async throws -> PushResponse {
            let ops = request.ops.compactMap { try? $0.result.get() }
            let limit = UInt64(serverTime) + 5 * 60 * 1000   // the server's clock when the push arrives
            let (taken, refused) = (ops.filter { $0.id.timestamp.milliseconds <= limit }, ops.filter { $0.id.timestamp.milliseconds > limit })
            lock.withLock { heldOps += taken }
            return PushResponse(accepted: taken.map(\.id.description),
                                rejected: refused.map { .init(id: $0.id.description, code: "clock_ahead", reason: "stamped ahead") })
        }
        func pull(after cursor: Int64, limit: Int, count: Bool) async throws -> PullResponse { PullResponse(ops: [], cursor: cursor, more: false, batches: []) }
        func registerKey(publicKey: [UInt8]) async throws -> KeyRegistered { KeyRegistered(key: Signing.keyID(publicKey: publicKey)) }
        func devices() async throws -> DeviceDirectory { DeviceDirectory(devices: [], keys: []) }
    }

    /// A laptop whose clock ran a year ahead: while it is wrong, the sync says so and keeps what was written;
    /// once it is right, the changes stamped ahead go again under the right time and new writes are taken.
    @Test func aClockThatRanAheadHealsOnceItIsRight() async throws {
        let (store, dir) = try Self.laptop()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let year: TimeInterval = 365 * 24 * 3600
        let ahead = Date().addingTimeInterval(year)
        let key = RecordKey(collection: .hours, id: "MH-SB-001/ad70a1271ab25a67e712/2026-12-01")
        _ = try store.write(now: ahead) { tx in try tx.set(key, "minutes", .integer(240)) }
        _ = try store.write(now: ahead) { tx in try tx.set(key, "note", .text("a")) }
        _ = try store.write(now: ahead) { tx in try tx.set(key, "note", .text("b")) }

        // While the laptop's clock is a year ahead of the server's: refused, kept, and the clock named
        let behind = ClockServer(offset: -Int64(year * 1000))
        let wrong = try await SyncEngine(store: store, transport: behind).run(expectOrg: "MH-SB-001")
        #expect(wrong.pushed == 0 && wrong.rejected == 3)
        #expect((wrong.clockOffsetMinutes ?? 0) > 500_000, "a year ahead, in minutes")
        #expect(wrong.newReplica == nil, "nothing is restamped while the clock is wrong")

        // Once it is right: a fresh replica whose clock starts from now, the standing changes sent again
        let server = ClockServer(offset: 0)
        let healed = try await SyncEngine(store: store, transport: server).run(expectOrg: "MH-SB-001")
        #expect(healed.movedFor == "clock-ahead" && healed.newReplica == store.replica.description)
        #expect(healed.restamped == 2, "minutes and the last note; the replaced note is not sent")
        #expect(healed.pushed == 2 && healed.rejected == 0 && healed.clockOffsetMinutes == nil)
        #expect(server.held.allSatisfy { $0.id.replica == store.replica && $0.id.timestamp.milliseconds <= UInt64(Date().timeIntervalSince1970 * 1000) + 60_000 })
        let record = try #require(try store.record(key))
        #expect(record.displayed("minutes") == .integer(240) && record.displayed("note") == .text("b") && !record.hasConflict)
        #expect(try store.counts().pending == 0)

        // and what is written next is stamped now, taken, and nothing moves again
        _ = try store.write { tx in try tx.set(key, "minutes", .integer(180)) }
        let next = try await SyncEngine(store: store, transport: server).run(expectOrg: "MH-SB-001")
        #expect(next.pushed == 1 && next.rejected == 0 && next.movedFor == nil)
    }
}

/// A server that says when to come back (`Retry-After`: a full disk, a database away, too many attempts).
@Suite struct RetryAfterTests {
    /// In English, as these tests read it.
    init() { Say.language = .en }

    static func busy(_ wait: Duration) -> SyncError {
        .refusedForNow(Problem(type: Problem.typeURI("disk-full"), title: "Insufficient Storage", status: 507, detail: "the disk is full"),
                       retryAfter: wait)
    }

    /// The sync's retries (`Retries`, which the state machine asks after each failed try).
    @Test func theWaitTheServerAsksForIsWaitedWhereLongerThanTheBackoff() {
        var retries = Retries(backoff: [.milliseconds(10), .milliseconds(500), .milliseconds(10)], limit: .seconds(600))
        var now = ContinuousClock.now
        _ = retries.begin(at: now)
        var waits = [Duration]()
        for _ in 0..<2 {
            guard case .wait(let wait, _, _) = retries.failed(Self.busy(.milliseconds(200)), at: now) else { Issue.record("gave up"); return }
            waits.append(wait)
            now += wait
            _ = retries.begin(at: now)
        }
        #expect(waits == [.milliseconds(200), .milliseconds(500)], "the server's wait, then the backoff's where longer")
    }

    @Test func aWaitPastTheBoundEndsTheSyncAtOnceAndSaysWhen() {
        var retries = Retries(backoff: [.milliseconds(10), .milliseconds(10)], limit: .seconds(2))
        let now = ContinuousClock.now
        _ = retries.begin(at: now)
        #expect(retries.failed(Self.busy(.seconds(60)), at: now) == .stop, "no try again before the server's time, and none after the bound")
        #expect(Self.busy(.seconds(60)).description.contains("try again in 60 s"))
    }
}
