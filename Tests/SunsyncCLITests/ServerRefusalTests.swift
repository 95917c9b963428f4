import Foundation
import GRDB
import SunsyncModel
import SunsyncProtocol
import Testing

/// Bad input against the running server: the right problem response, the server keeps serving, and
/// its database stays sound with nothing lost.
@Suite(.serialized) struct ServerRefusalTests {
    static let person = "ad70a1271ab25a67e712"

    static func op(_ ms: UInt64, _ record: String, _ field: String, _ value: Value, collection: CollectionName = .hours,
                   replica: ReplicaID = ReplicaID(0xa1)) -> Op {
        Op(id: OpID(timestamp: Timestamp(milliseconds: ms, counter: 0), replica: replica), collection: collection,
           record: record, field: field, value: value)
    }

    static func problemCode(_ data: Data) -> String? { (try? Wire.decoder().decode(Problem.self, from: data))?.code }

    /// The ops that register 张三 (`person`) whole at `org`: name, certificate, contract and its start.
    static func registration(_ ms: UInt64, org: String = "MH-SB-001", replica: ReplicaID = ReplicaID(0xa1)) -> [Op] {
        [("name", Value.text("张三")), ("cert", .text(People.zhang)), ("contract", .text("part-time")),
         ("contract_start", .date(CivilDate("2024-01-01")!))].enumerated().map { i, field in
            Op(id: OpID(timestamp: Timestamp(milliseconds: ms, counter: UInt16(i)), replica: replica), collection: .participants,
               record: "\(org)/\(person)", field: field.0, value: field.1)
        }
    }

    @Test(arguments: ServerBackend.available) func badRequestsGetProblemsAndChangeNothing(backend: ServerBackend) async throws {
        let server = try ServerProcess.withOrgs(backend: backend)
        defer { server.stop() }
        let staff = try server.token("a", "--role", "staff", "--org", "MH-SB-001")
        let revoked = try server.token("lost", "--role", "staff", "--org", "MH-SB-001")
        try server.admin("device", "revoke", "lost")
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let registered = try await server.request("POST", "/v1/push", token: staff, body: try Wire.encoder().encode(PushRequest(ops: Self.registration(now - 1000))))
        #expect(try Wire.decoder().decode(PushResponse.self, from: registered.body).accepted.count == 4)
        let good = PushRequest(ops: [Self.op(now, "MH-SB-001/\(Self.person)/2024-03-04", "minutes", .integer(240))])
        let goodBody = try Wire.encoder().encode(good)
        let accepted = try await server.request("POST", "/v1/push", token: staff, body: goodBody)
        #expect(accepted.status == 200)

        let cases: [(String, String, String?, String?, Data?, [String: String], Int, String)] = [
            ("malformed JSON", "/v1/push", staff, "1", Data("{\"ops\": [".utf8), [:], 400, "malformed-json"),
            ("not a push", "/v1/push", staff, "1", Data("[1,2,3]".utf8), [:], 400, "malformed-json"),
            ("claims gzip", "/v1/push", staff, "1", goodBody, ["Content-Encoding": "gzip"], 400, "bad-gzip"),
            ("truncated gzip", "/v1/push", staff, "1", try Gzip.compress(goodBody).prefix(20), ["Content-Encoding": "gzip"], 400, "bad-gzip"),
            ("oversized", "/v1/push", staff, "1", Data(count: Wire.maxCompressedBody + 1), [:], 413, "body-too-large"),
            ("no token", "/v1/session", nil, "1", nil, [:], 401, "unauthorized"),
            ("wrong token", "/v1/session", "sst_wrong", "1", nil, [:], 401, "unauthorized"),
            ("revoked token", "/v1/pull", revoked, "1", nil, [:], 401, "token-revoked"),
            ("unknown version", "/v1/session", staff, "2", nil, [:], 400, "unsupported-protocol-version"),
            ("no version", "/v1/session", staff, nil, nil, [:], 400, "missing-protocol-version"),
            ("bad cursor", "/v1/pull?after=-4", staff, "1", nil, [:], 400, "bad-cursor"),
            ("bad limit", "/v1/pull?limit=999999", staff, "1", nil, [:], 400, "bad-limit"),
        ]
        for (name, path, token, version, body, headers, status, code) in cases {
            let response = try await server.request(body == nil ? "GET" : "POST", path, token: token, version: version, body: body, headers: headers)
            #expect(response.status == status, "\(name)")
            #expect(Self.problemCode(response.body) == code, "\(name): \(String(decoding: response.body, as: UTF8.self))")
            #expect(response.headers["content-type"] == "application/problem+json", "\(name)")
        }

        // Ops refused one by one, with a code and a reason; the good one in the same batch lands.
        let far = now + 3 * 365 * 86_400_000
        let mixed = """
            {"ops": [
              {"id": "not-an-id", "collection": "hours", "record": "MH-SB-001/\(Self.person)/2024-03-05", "field": "minutes", "value": 60},
              {"id": "\(OpID(timestamp: Timestamp(milliseconds: now, counter: 1), replica: ReplicaID(0xa1)))", "collection": "hours", "record": "MH-SB-001/\(Self.person)/2024-03-05", "field": "minutes", "value": 1500},
              {"id": "\(OpID(timestamp: Timestamp(milliseconds: now, counter: 2), replica: ReplicaID(0xa1)))", "collection": "hours", "record": "MH-SB-001/\(Self.person)/2024-02-30", "field": "minutes", "value": 60},
              {"id": "\(OpID(timestamp: Timestamp(milliseconds: far, counter: 0), replica: ReplicaID(0xa1)))", "collection": "hours", "record": "MH-SB-001/\(Self.person)/2024-03-06", "field": "minutes", "value": 60},
              {"id": "\(OpID(timestamp: Timestamp(milliseconds: now, counter: 3), replica: ReplicaID(0xa1)))", "collection": "hours", "record": "MH-SB-002/\(Self.person)/2024-03-06", "field": "minutes", "value": 60},
              {"id": "\(OpID(timestamp: Timestamp(milliseconds: now, counter: 4), replica: ReplicaID(0xa1)))", "collection": "hours", "record": "MH-SB-001/\(Self.person)/2024-03-04", "field": "review", "value": "approved 00000000000000000000000000000000"},
              {"id": "\(OpID(timestamp: Timestamp(milliseconds: now, counter: 5), replica: ReplicaID(0xa1)))", "collection": "orgs", "record": "MH-SB-001", "field": "lunch_rate", "value": 9900},
              {"id": "\(OpID(timestamp: Timestamp(milliseconds: now, counter: 6), replica: ReplicaID(0xa1)))", "collection": "hours", "record": "MH-SB-001/\(Self.person)/2024-03-07", "field": "minutes", "value": 90}
            ]}
            """
        let response = try await server.request("POST", "/v1/push", token: staff, body: Data(mixed.utf8))
        #expect(response.status == 200)
        let answer = try Wire.decoder().decode(PushResponse.self, from: response.body)
        #expect(answer.accepted.count == 1)
        #expect(answer.rejected.map(\.code) == ["invalid_op_id", "invalid_minutes", "invalid_date", "clock_ahead", "forbidden", "forbidden", "forbidden"])
        #expect(answer.rejected.allSatisfy { !$0.reason.isEmpty })
        #expect(answer.rejected.first { $0.code == "clock_ahead" }?.reason.contains("clock") == true)
        // The same op again changes nothing; the same id with other content is refused.
        let again = try Wire.decoder().decode(PushResponse.self, from: try await server.request("POST", "/v1/push", token: staff, body: goodBody).body)
        #expect(again.accepted.count == 1)
        let reusedBody = try Wire.encoder().encode(PushRequest(ops: [Op(id: good.ops[0].result.get().id, collection: .hours,
            record: "MH-SB-001/\(Self.person)/2024-03-04", field: "minutes", value: .integer(999))]))
        let reused = try Wire.decoder().decode(PushResponse.self, from: try await server.request("POST", "/v1/push", token: staff, body: reusedBody).body)
        #expect(reused.rejected.map(\.code) == ["op_id_reused"])

        // A Minhang reviewer may write review fields there, and nothing else.
        let reviewer = try server.token("r", "--role", "reviewer", "--district", "310112")
        let review = PushRequest(ops: [
            Self.op(now + 10, "MH-SB-001/\(Self.person)/2024-03-04", "review_note", .text("已核对"), replica: ReplicaID(0xd4)),
            Self.op(now + 11, "MH-SB-001/\(Self.person)/2024-03-04", "minutes", .integer(60), replica: ReplicaID(0xd4)),
            Self.op(now + 12, "XH-SB-001/\(Self.person)/2024-03-04", "review_note", .text("x"), replica: ReplicaID(0xd4)),
        ])
        let reviewed = try Wire.decoder().decode(PushResponse.self, from: try await server.request("POST", "/v1/push", token: reviewer, body: try Wire.encoder().encode(review)).body)
        #expect(reviewed.accepted.count == 1 && reviewed.rejected.map(\.code) == ["forbidden", "forbidden"])

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
        #expect(metrics.contains("sunsync_ops_rejected_total{code=\"forbidden\"} 5") && metrics.contains("sunsync_database_bytes"))
    }

    @Test func responsesAreGzippedWhenAsked() async throws {
        let server = try ServerProcess.withOrgs()
        defer { server.stop() }
        let admin = try server.token("admin", "--role", "admin")
        let plain = try await server.request("GET", "/v1/pull?after=0", token: admin, headers: ["Accept-Encoding": "identity"])
        #expect(plain.status == 200 && plain.headers["content-encoding"] == nil)
        let pulled = try Wire.decoder().decode(PullResponse.self, from: plain.body)
        #expect(pulled.ops.count == 12 && pulled.more == false) // 3 orgs × name, kind, district, lunch_rate
        let page = try Wire.decoder().decode(PullResponse.self, from: try await server.request("GET", "/v1/pull?after=0&limit=5", token: admin).body)
        #expect(page.ops.count == 5 && page.more && page.cursor == 5)
        #expect(page.remaining == nil, "counted only when asked")
        // A sync's first page asks how many ops it has to receive.
        let counted = try Wire.decoder().decode(PullResponse.self, from: try await server.request("GET", "/v1/pull?after=0&limit=5&count=1", token: admin).body)
        #expect(counted.remaining == 12)
        let rest = try Wire.decoder().decode(PullResponse.self, from: try await server.request("GET", "/v1/pull?after=5&count=1", token: admin).body)
        #expect(rest.remaining == 7 && rest.ops.count == 7)
        let staff = try server.token("staff", "--role", "staff", "--org", "MH-SB-002")
        let scoped = try Wire.decoder().decode(PullResponse.self, from: try await server.request("GET", "/v1/pull?after=0&count=1", token: staff).body)
        #expect(scoped.remaining == 4 && scoped.ops.count == 4, "only the token's scope counts")
    }
}
