import Foundation
import GRDB
import SunsyncModel
import SunsyncProtocol
import Testing

/// Bad input against the running server: the right problem response, the server keeps serving, and
/// its database stays sound with nothing lost.
@Suite(.serialized) struct ServerRefusalTests {

    static func op(_ ms: UInt64, _ record: String, _ field: String, _ value: Value, collection: CollectionName = .hours,
                   replica: ReplicaID = ReplicaID(0xa1)) -> Op {
        Op(id: OpID(timestamp: Timestamp(milliseconds: ms, counter: 0), replica: replica), collection: collection,
           record: record, field: field, value: value)
    }

    static func problemCode(_ data: Data) -> String? { (try? Wire.decoder().decode(Problem.self, from: data))?.code }

    /// The ops that register 张三 (`person`, the person key the server's secret gives: `ServerProcess.personKey`)
    /// whole at `org`: name, certificate, contract and its start.
    static func registration(_ ms: UInt64, person: String, org: String = "MH-SB-001", replica: ReplicaID = ReplicaID(0xa1)) -> [Op] {
        [("name", Value.text("张三")), ("cert", .text(People.zhang)), ("contract", .text("part-time")),
         ("contract_start", .date(CivilDate("2024-01-01")!))].enumerated().map { i, field in
            Op(id: OpID(timestamp: Timestamp(milliseconds: ms, counter: UInt16(i)), replica: replica), collection: .participants,
               record: "\(org)/\(person)", field: field.0, value: field.1)
        }
    }

    /// The server keeps the device a token names in memory (`AccessCache`); a revocation by the administration
    /// command, another process, is refused at the token's next request all the same, on either backend.
    @Test(arguments: ServerBackend.available) func aTokenRevokedWhileTheServerKnowsItIsRefusedAtItsNextRequest(backend: ServerBackend) async throws {
        let server = try ServerProcess.withOrgs(backend: backend)
        defer { server.stop() }
        let staff = try server.token("busy", "--role", "staff", "--org", "MH-SB-001")
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let zhang = try await server.personKey(People.zhang, token: staff)
        for n in 0..<3 {   // known to the server now
            let pushed = try await server.push([Self.op(now + UInt64(n), "MH-SB-001/\(zhang)/2024-03-0\(n + 1)", "deleted", .bool(true))], token: staff)
            #expect(pushed.status == 200)
        }
        let key = try await server.registerKey(token: staff)
        #expect(try server.admin("device", "revoke", "busy").status == 0)
        let ops = [Self.op(now + 10, "MH-SB-001/\(zhang)/2024-03-09", "deleted", .bool(true))]
        let body = try Wire.encoder().encode(try PushRequest(signing: ops, key: key, privateKey: ServerProcess.privateKey(staff)))
        let refused = try await server.request("POST", "/v1/push", token: staff, body: body)
        #expect(refused.status == 401 && Self.problemCode(refused.body) == "token-revoked", "\(refused.status) \(String(decoding: refused.body, as: UTF8.self))")
    }

    @Test(arguments: ServerBackend.available) func badRequestsGetProblemsAndChangeNothing(backend: ServerBackend) async throws {
        let server = try ServerProcess.withOrgs(backend: backend)
        defer { server.stop() }
        let staff = try server.token("a", "--role", "staff", "--org", "MH-SB-001")
        let revoked = try server.token("lost", "--role", "staff", "--org", "MH-SB-001")
        try server.admin("device", "revoke", "lost")
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let zhang = try await server.personKey(People.zhang, token: staff)
        let registered = try await server.push(Self.registration(now - 1000, person: zhang), token: staff)
        #expect(try Wire.decoder().decode(PushResponse.self, from: registered.body).accepted.count == 4)
        let goodOp = Self.op(now, "MH-SB-001/\(zhang)/2024-03-04", "minutes", .integer(240))
        let goodBody = try Wire.encoder().encode(PushRequest(ops: [goodOp]))
        let accepted = try await server.push([goodOp], token: staff)
        #expect(accepted.status == 200)

        let v = String(Wire.version)
        let cases: [(String, String, String?, String?, Data?, [String: String], Int, String)] = [
            ("malformed JSON", "/v1/push", staff, v, Data("{\"ops\": [".utf8), [:], 400, "malformed-json"),
            ("not a push", "/v1/push", staff, v, Data("[1,2,3]".utf8), [:], 400, "malformed-json"),
            ("claims gzip", "/v1/push", staff, v, goodBody, ["Content-Encoding": "gzip"], 400, "bad-gzip"),
            ("truncated gzip", "/v1/push", staff, v, try Gzip.compress(goodBody).prefix(20), ["Content-Encoding": "gzip"], 400, "bad-gzip"),
            ("oversized", "/v1/push", staff, v, Data(count: Wire.maxCompressedBody + 1), [:], 413, "body-too-large"),
            ("no token", "/v1/session", nil, v, nil, [:], 401, "unauthorized"),
            ("wrong token", "/v1/session", "sst_wrong", v, nil, [:], 401, "unauthorized"),
            ("revoked token", "/v1/pull", revoked, v, nil, [:], 401, "token-revoked"),
            ("version 1 (person keys without a secret)", "/v1/session", staff, "1", nil, [:], 400, "unsupported-protocol-version"),
            ("no version", "/v1/session", staff, nil, nil, [:], 400, "missing-protocol-version"),
            ("bad cursor", "/v1/pull?after=-4", staff, v, nil, [:], 400, "bad-cursor"),
            ("bad limit", "/v1/pull?limit=999999", staff, v, nil, [:], 400, "bad-limit"),
            ("unsigned", "/v1/push", staff, v, goodBody, [:], 400, "unsigned"),
        ]
        for (name, path, token, version, body, headers, status, code) in cases {
            let response = try await server.request(body == nil ? "GET" : "POST", path, token: token, version: version, body: body, headers: headers)
            #expect(response.status == status, "\(name)")
            #expect(Self.problemCode(response.body) == code, "\(name): \(String(decoding: response.body, as: UTF8.self))")
            #expect(response.headers["content-type"] == "application/problem+json", "\(name)")
        }

        // Ops refused one by one, with a code and a reason; the good one in the same signed push lands.
        let far = now + 3 * 365 * 86_400_000
        func op(_ counter: UInt16, _ record: String, _ field: String, _ value: Value, ms: UInt64? = nil, collection: CollectionName = .hours) -> Op {
            Op(id: OpID(timestamp: Timestamp(milliseconds: ms ?? now, counter: counter), replica: ReplicaID(0xa1)), collection: collection,
               record: record, field: field, value: value)
        }
        let person = "MH-SB-001/\(zhang)"
        let mixed = [
            op(1, "\(person)/2024-03-05", "minutes", .integer(1500)),
            op(2, "\(person)/2024-02-30", "minutes", .integer(60)),
            op(0, "\(person)/2024-03-06", "minutes", .integer(60), ms: far),
            op(4, "\(person)/2024-03-04", "review", .text("approved 00000000000000000000000000000000")),
            op(5, "MH-SB-001", "lunch_rate", .integer(9900), collection: .orgs),
            op(6, "\(person)/2024-03-07", "minutes", .integer(90)),
        ]
        let response = try await server.push(mixed, token: staff)
        #expect(response.status == 200)
        let answer = try Wire.decoder().decode(PushResponse.self, from: response.body)
        #expect(answer.accepted.count == 1)
        #expect(answer.rejected.map(\.code) == ["invalid_minutes", "invalid_date", "clock_ahead", "forbidden", "forbidden"])
        #expect(answer.rejected.allSatisfy { !$0.reason.isEmpty })
        #expect(answer.rejected.first { $0.code == "clock_ahead" }?.reason.contains("clock") == true)
        // A signed push is whole or nothing: another org's op in it, an op changed after signing, another
        // device's key, a key no one registered: refused with its code, nothing held.
        let otherOrg = try await server.push([op(7, "\(person)/2024-03-08", "minutes", .integer(60)), op(3, "MH-SB-002/\(zhang)/2024-03-06", "minutes", .integer(60))], token: staff)
        #expect(otherOrg.status == 400 && Self.problemCode(otherOrg.body) == "batch-spans-orgs")
        let key = try await server.registerKey(token: staff)
        let signed = try PushRequest(signing: [op(8, "\(person)/2024-03-09", "minutes", .integer(60))], key: key, privateKey: ServerProcess.privateKey(staff))
        let tampered = String(decoding: try Wire.encoder().encode(signed), as: UTF8.self).replacingOccurrences(of: "\"value\":60", with: "\"value\":600")
        let forged = try await server.request("POST", "/v1/push", token: staff, body: Data(tampered.utf8))
        #expect(forged.status == 400 && Self.problemCode(forged.body) == "bad-signature")
        let thief = try server.token("thief", "--role", "staff", "--org", "MH-SB-001")
        let stolen = try await server.request("POST", "/v1/push", token: thief, body: try Wire.encoder().encode(signed))
        #expect(stolen.status == 403 && Self.problemCode(stolen.body) == "not-your-key")
        let unknown = try Wire.encoder().encode(PushRequest(ops: [op(9, "\(person)/2024-03-09", "minutes", .integer(60))],
                                                            batch: BatchSignature(key: "0123456789abcdef", signature: String(repeating: "0", count: 128))))
        #expect(Self.problemCode(try await server.request("POST", "/v1/push", token: staff, body: unknown).body) == "unknown-key")
        // The same op again changes nothing; the same id with other content is refused.
        let again = try Wire.decoder().decode(PushResponse.self, from: try await server.push([goodOp], token: staff).body)
        #expect(again.accepted.count == 1)
        let reused = try Wire.decoder().decode(PushResponse.self, from: try await server.push([Op(id: goodOp.id, collection: .hours,
            record: "MH-SB-001/\(zhang)/2024-03-04", field: "minutes", value: .integer(999))], token: staff).body)
        #expect(reused.rejected.map(\.code) == ["op_id_reused"])

        // A Minhang reviewer may write review fields there, and nothing else.
        let reviewer = try server.token("r", "--role", "reviewer", "--district", "310112")
        let reviewed = try Wire.decoder().decode(PushResponse.self, from: try await server.push([
            Self.op(now + 10, "MH-SB-001/\(zhang)/2024-03-04", "review_note", .text("已核对"), replica: ReplicaID(0xd4)),
            Self.op(now + 11, "MH-SB-001/\(zhang)/2024-03-04", "minutes", .integer(60), replica: ReplicaID(0xd4)),
        ], token: reviewer).body)
        let elsewhere = try Wire.decoder().decode(PushResponse.self, from: try await server.push([
            Self.op(now + 12, "XH-SB-001/\(zhang)/2024-03-04", "review_note", .text("x"), replica: ReplicaID(0xd4)),
        ], token: reviewer).body)
        #expect(reviewed.accepted.count == 1 && reviewed.rejected.map(\.code) == ["forbidden"])
        #expect(elsewhere.rejected.map(\.code) == ["forbidden"])

        // Then the server still serves, and its database is sound and holds exactly what was accepted.
        let health = try await server.request("GET", "/healthz")
        #expect(health.status == 200)
        let pulled = try Wire.decoder().decode(PullResponse.self, from: try await server.request("GET", "/v1/pull?after=0", token: staff).body)
        #expect(pulled.ops.filter { $0.collection == .hours }.count == 3)
        if backend == .sqlite {
            let db = try DatabaseQueue(path: server.databasePath)
            let integrity = try await db.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
            #expect(integrity == ["ok"])
            try db.close()
        }
        let metrics = String(decoding: try await server.request("GET", "/metrics").body, as: UTF8.self)
        #expect(metrics.contains("sunsync_ops_rejected_total{code=\"forbidden\"} 4") && metrics.contains("sunsync_database_bytes"))
    }

    @Test func responsesAreGzippedWhenAsked() async throws {
        let server = try ServerProcess.withOrgs()
        defer { server.stop() }
        let admin = try server.token("admin", "--role", "admin")
        let plain = try await server.request("GET", "/v1/pull?after=0", token: admin, headers: ["Accept-Encoding": "identity"])
        #expect(plain.status == 200 && plain.headers["content-encoding"] == nil)
        let pulled = try Wire.decoder().decode(PullResponse.self, from: plain.body)
        #expect(pulled.ops.count == 12 && pulled.more == false) // 3 orgs × name, kind, district, lunch_rate
        // A page ends with a whole signed batch (an org's four ops, as its administrator wrote them)
        let page = try Wire.decoder().decode(PullResponse.self, from: try await server.request("GET", "/v1/pull?after=0&limit=5", token: admin).body)
        #expect(page.ops.count == 4 && page.more && page.cursor == 4 && page.batches?.count == 1)
        #expect(page.remaining == nil, "counted only when asked")
        // A sync's first page asks how many ops it has to receive.
        let counted = try Wire.decoder().decode(PullResponse.self, from: try await server.request("GET", "/v1/pull?after=0&limit=5&count=1", token: admin).body)
        #expect(counted.remaining == 12)
        // and a cursor inside a batch gets the batch whole again (the op it held already changes nothing)
        let rest = try Wire.decoder().decode(PullResponse.self, from: try await server.request("GET", "/v1/pull?after=5&count=1", token: admin).body)
        #expect(rest.remaining == 7 && rest.ops.count == 8 && rest.batches?.count == 2)
        let staff = try server.token("staff", "--role", "staff", "--org", "MH-SB-002")
        let scoped = try Wire.decoder().decode(PullResponse.self, from: try await server.request("GET", "/v1/pull?after=0&count=1", token: staff).body)
        #expect(scoped.remaining == 4 && scoped.ops.count == 4, "only the token's scope counts")
    }
}
