import Foundation
import GRDB
import SunsyncModel
import SunsyncProtocol
import SunsyncReports
import Testing

/// The attacks of the integrity issue, each through the real server with raw HTTP and a staff token (as an
/// attacker would), on both backends: refused with its code, and every honest path still works after it.
@Suite(.serialized) struct IntegrityTests {
    static func push(_ server: ServerProcess, _ token: String, _ ops: [Op]) async throws -> PushResponse {
        let response = try await server.push(ops, token: token)
        #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
        return try Wire.decoder().decode(PushResponse.self, from: response.body)
    }

    static func pull(_ server: ServerProcess, _ token: String) async throws -> [Op] {
        try Wire.decoder().decode(PullResponse.self, from: try await server.request("GET", "/v1/pull?after=0", token: token).body).ops
    }

    static func note(_ ms: UInt64, _ counter: UInt16, _ replica: ReplicaID, person: String, day: String = "2024-03-04", _ text: String = "改") -> Op {
        Op(id: OpID(timestamp: Timestamp(milliseconds: ms, counter: counter), replica: replica), collection: .hours,
           record: "MH-SB-001/\(person)/\(day)", field: "note", value: .text(text))
    }

    @Test(arguments: ServerBackend.available) func noDeviceWritesUnderAnotherDevicesReplica(backend: ServerBackend) async throws {
        // Given a base whose laptop synced, a reviewer who decided on the page, and the server's own writes
        let (server, base, reviewerToken, _, _) = try ReviewPageTests.district(backend)
        defer { server.stop() }
        let browser = Browser(server)
        try await browser.signIn(reviewerToken)
        let csrf = try await browser.csrf(on: "/review/orgs/MH-SB-002?month=2024-03")
        let zhang = try await server.personKey(People.zhang, token: reviewerToken)
        let zhangDay = ReviewRef.make(RecordKey(collection: .hours, id: "MH-SB-001/\(zhang)/2024-03-04"))
        let version = try await browser.field("version", on: "/review/records/\(zhangDay)")
        #expect(try await browser.post("/review/records/\(zhangDay)/reject", ["csrf": csrf, "version": version, "reason": "超时"]).status == 303)
        let attacker = try server.token("attacker", "--role", "staff", "--org", "MH-SB-001")
        let ops = try await Self.pull(server, attacker)
        let laptop = try #require(ops.first { $0.collection == .participants }?.id.replica)
        let own = try #require(ops.first { $0.collection == .orgs }?.id.replica, "orgs are the administrator's: the server's replica")
        let web = try #require(ops.first { $0.field == "review" }?.id.replica)
        #expect(Set([laptop, own, web]).count == 3)

        // When the attacker writes under each of them, and claims the laptop's next 2,000 ids
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let forged = try await Self.push(server, attacker, [Self.note(now, 0, laptop, person: zhang), Self.note(now, 0, own, person: zhang), Self.note(now, 0, web, person: zhang)])
        let squat = try await Self.push(server, attacker, (0..<2000).map { Self.note(now + 1 + UInt64($0), 0, laptop, person: zhang, "\($0)") })

        // Then every op is refused as another's replica, and nothing of it is held
        #expect(forged.accepted.isEmpty && forged.rejected.map(\.code) == Array(repeating: "replica_taken", count: 3))
        #expect(squat.accepted.isEmpty && squat.rejected.count == 2000 && squat.rejected.allSatisfy { $0.code == "replica_taken" })
        #expect(try await Self.pull(server, attacker).count == ops.count)
        // and its own replica works
        #expect(try await Self.push(server, attacker, [Self.note(now, 0, ReplicaID(0xbad), person: zhang)]).accepted.count == 1)
        // and the honest paths still work: the laptop's next writes, a decision on the page, an administrator's edit
        #expect(try base.run("hours", "set", "张三", "2024-03-11", "2").status == 0)
        let synced = try base.sync()
        #expect(!synced.out.contains("refused"), "\(synced.out)")
        let again = try await browser.field("version", on: "/review/records/\(zhangDay)")
        #expect(try await browser.post("/review/records/\(zhangDay)/approve", ["csrf": csrf, "version": again]).status == 303)
        #expect(try server.admin("org", "edit", "MH-SB-001", "--lunch-rate", "18", "--from", "2025-07-01").status == 0)
        // and the record page names who signed each change: the laptop its own, the server the page's decisions
        let recordPage = try await browser.get("/review/records/\(zhangDay)").body
        #expect(recordPage.contains("<th>签名</th>") && recordPage.contains("<td>laptop-a</td>") && recordPage.contains("<td>服务器</td>")
                && recordPage.contains("<td>attacker</td>"))
        // and the base's history names each writer as it is
        _ = try base.sync()
        let history = try base.run("history", "张三", "2024-03-04")
        #expect(history.out.contains("laptop-a") && history.out.contains("reviewer-mh") && history.out.contains("attacker"), "\(history.out)")
    }

    @Test(arguments: ServerBackend.available) func phantomsHalfRecordsAndTerminalTextAreRefused(backend: ServerBackend) async throws {
        let server = try ServerProcess.withOrgs(backend: backend)
        defer { server.stop() }
        let staff = try server.token("a", "--role", "staff", "--org", "MH-SB-001")
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let replica = ReplicaID(0xa1)
        func op(_ n: UInt16, _ collection: CollectionName, _ record: String, _ field: String, _ value: Value) -> Op {
            Op(id: OpID(timestamp: Timestamp(milliseconds: now, counter: n), replica: replica), collection: collection, record: record, field: field, value: value)
        }
        let zhang = try await server.personKey(People.zhang, token: staff), person = "MH-SB-001/\(zhang)"
        // Hours of a person nobody registered; a participant with only a name; text that drives a terminal
        let phantom = try await Self.push(server, staff, [
            op(0, .hours, "MH-SB-001/0123456789abcdef0123/2024-03-04", "minutes", .integer(600)),
            op(1, .participants, person, "name", .text("?")),
            op(2, .hours, "\(person)/2024-03-04", "minutes", .integer(600)),
        ])
        #expect(phantom.accepted.isEmpty)
        #expect(phantom.rejected.map(\.code) == ["unknown_participant", "incomplete_record", "incomplete_record"], "\(phantom.rejected)")
        let evil = try await Self.push(server, staff, [
            op(3, .participants, person, "name", .text("\u{1B}[2J\u{1B}]0;pwned\u{07}张三\r\nMH-SB-001  李四  已通过")),
            op(4, .participants, person, "name", .text("张三\u{202E}")),
        ])
        #expect(evil.rejected.map(\.code) == ["invalid_text", "invalid_text"])
        // A participant registered whole in one push, then its days: held; a note of combining marks is not
        let honest = try await Self.push(server, staff, ServerRefusalTests.registration(now + 10, person: zhang) + [
            op(5, .hours, "\(person)/2024-03-05", "minutes", .integer(240)),
        ])
        #expect(honest.accepted.count == 5 && honest.rejected.isEmpty, "\(honest.rejected)")
        let marks = try await Self.push(server, staff, [Op(id: OpID(timestamp: Timestamp(milliseconds: now + 20, counter: 0), replica: replica),
            collection: .hours, record: "\(person)/2024-03-05", field: "note", value: .text("a" + String(repeating: "\u{0301}", count: 3000)))])
        #expect(marks.rejected.map(\.code) == ["invalid_text"])
        // Then only the honest ops are held, and a laptop shows them
        let held = try await Self.pull(server, staff)
        #expect(held.filter { $0.collection == .hours }.map(\.record) == ["\(person)/2024-03-05"])
        let laptop = try CLI.linked(server, "b", "--role", "staff", "--org", "MH-SB-001")
        _ = try laptop.sync()
        #expect(try laptop.run("hours", "list").out.contains("2024-03-05"))
    }

    @Test(arguments: ServerBackend.available) func lunchesFollowTheirDayAndReviewersSettleTheirOwnConflicts(backend: ServerBackend) throws {
        // Given a base's days with lunches, and two reviewers' laptops
        let server = try ServerProcess.withOrgs(backend: backend)
        defer { server.stop() }
        let base = try CLI.linked(server, "a", "--role", "staff", "--org", "MH-SB-001")
        #expect(try base.run("participant", "add", "--start", "2024-01-01", "--name", "张三", "--cert", People.zhang).status == 0)
        for day in ["04", "05"] {
            #expect(try base.run("hours", "set", "张三", "2024-03-\(day)", "4").status == 0)
            #expect(try base.run("lunch", "set", "张三", "2024-03-\(day)").status == 0)
        }
        _ = try base.sync()
        let r1 = try CLI.linked(server, "r1", "--role", "reviewer", "--district", "310112")
        let r2 = try CLI.linked(server, "r2", "--role", "reviewer", "--district", "310112")
        _ = try r1.sync()
        _ = try r2.sync()
        let person = "MH-SB-001/\(try r1.personKey(People.zhang))"
        func ref(_ collection: CollectionName, _ day: String) -> String { ReviewRef.make(RecordKey(collection: collection, id: "\(person)/2024-03-\(day)")) }

        // When r1 rejects the 4th's hours, then approves its lunch
        #expect(try r1.run("review", "reject", ref(.hours, "04"), "--reason", "无签到").status == 0)
        let lunch = try r1.run("review", "approve", ref(.lunches, "04"))
        // Then the lunch is refused, saying why, and the command fails: it approved nothing asked of it
        #expect(lunch.status == 1 && lunch.out.contains("hours were rejected"), "\(lunch.out) \(lunch.err)")

        // When the two reviewers decide the 5th's hours differently, offline, and both sync
        #expect(try r1.run("review", "reject", ref(.hours, "05"), "--reason", "核对").status == 0)
        #expect(try r2.run("review", "approve", ref(.hours, "05")).status == 0)
        for laptop in [r1, r2, r1] { _ = try laptop.sync() }
        // Then r1 sees the reviewers disagree (not a conflict for the base), and its next decision settles it
        let lines = try #require(try r1.run("review", "list", "--json", "--month", "2024-03").json() as? [[String: Any]])
        let fifth = try #require(lines.first { $0["review_id"] as? String == ref(.hours, "05") })
        #expect(fifth["reviewers_disagree"] as? Bool == true && fifth["content_conflict"] as? Bool == false && fifth["review"] as? String == "needs_review")
        #expect(try r1.run("hours", "list", "--month", "2024-03").out.contains("审核意见冲突"))
        let settled = try r1.run("review", "approve", ref(.hours, "05"))
        #expect(settled.status == 0, "\(settled.out) \(settled.err)")
        _ = try r1.sync()
        _ = try base.sync()
        let after = try #require(try base.run("hours", "list", "--json", "--month", "2024-03").json() as? [[String: Any]])
        #expect(after.first { $0["date"] as? String == "2024-03-05" }?["review"] as? String == "approved")
        // and the payments pay the 5th's hours, not its lunch (unapproved), nor the 4th's
        _ = try r2.sync()
        let payments = try #require(try r2.run("report", "payments", "--month", "2024-03", "--json").json() as? [String: Any])
        #expect((payments["total"] as? [String: Any])?["minutes"] as? Int == 240 && (payments["total"] as? [String: Any])?["lunches"] as? Int == 0)
    }

    @Test(arguments: ServerBackend.available) func aCopiedHomeMovesToAFreshReplicaAndLosesNothing(backend: ServerBackend) throws {
        // Given a laptop whose clock has run ahead of the wall (its ids are the clock's next, not the wall's)
        let server = try ServerProcess.withOrgs(backend: backend)
        defer { server.stop() }
        let a = try CLI.linked(server, "a", "--role", "staff", "--org", "MH-SB-001")
        #expect(try a.run("participant", "add", "--start", "2024-01-01", "--name", "张三", "--cert", People.zhang).status == 0)
        _ = try a.sync()
        let ahead = (UInt64(Date().timeIntervalSince1970 * 1000) + 60_000) << 16
        let db = try a.database()
        try db.write { try $0.execute(sql: "UPDATE meta SET value = ? WHERE key = 'clock'", arguments: [String(ahead)]) }
        try db.close()
        // and its home copied to a second laptop: both now make the same next id
        let copy = CLI()
        try FileManager.default.copyItem(atPath: a.home, toPath: copy.home)
        #expect(try a.run("hours", "set", "张三", "2024-03-04", "4").status == 0)
        #expect(try copy.run("hours", "set", "张三", "2024-03-05", "5").status == 0)
        _ = try a.sync()
        // When the copy syncs
        let moved = try copy.run("sync")
        // Then it moves to a new replica, sends its change again, and says so; nothing is refused for good
        #expect(moved.status == 0 && moved.out.contains("now writes as"), "\(moved.out) \(moved.err)")
        let again = try copy.sync()
        #expect(!again.out.contains("refused"), "\(again.out)")
        #expect((try copy.run("rejected", "--json").json() as? [Any])?.isEmpty == true)
        // and both laptops end with both days
        _ = try a.sync()
        for laptop in [a, copy] {
            let days = try #require(try laptop.run("hours", "list", "--json").json() as? [[String: Any]])
            #expect(Set(days.compactMap { $0["date"] as? String }) == ["2024-03-04", "2024-03-05"], "\(laptop.home)")
        }
        // and a third write on the copy goes through at once
        #expect(try copy.run("hours", "set", "张三", "2024-03-06", "3").status == 0)
        #expect(try copy.sync().out.contains("sent 1"))
    }
}

/// Text stored before the model refused control characters never reaches the terminal raw.
struct TerminalTextTests {
    @Test func tablesShowControlCharactersAsEscapes() throws {
        // Given a laptop whose store holds a name with ESC sequences, a CR and a bidi override (written by an older version)
        let cli = try CLI.withParticipants()
        let db = try cli.database()
        let planted = "\u{1B}[2J\u{1B}]0;pwned\u{07}张三\r\n伪造的一行\u{202E}"
        try db.write { try $0.execute(sql: "UPDATE ops SET value = ? WHERE collection = 'participants' AND field = 'name' AND value = '张三'",
                                      arguments: [planted]) }
        try db.close()
        // When it is listed
        let list = try cli.run("participant", "list")
        // Then the table holds no control character: each is written out where it stood
        #expect(list.status == 0)
        #expect(!list.out.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x0D || $0.value == 0x07 || $0.value == 0x202E }, "\(list.out)")
        #expect(list.out.contains("\\u{1B}[2J") && list.out.contains("张三\\u{D}↵伪造的一行\\u{202E}"), "\(list.out)")
    }
}

/// A database changed by hand (outside `sunsync-server`): `verify` names the change, and no laptop believes it.
@Suite(.serialized) struct TamperTests {
    @Test(arguments: ServerBackend.available) func aHandAlteredDatabaseIsCaughtByVerifyAndByEveryPull(backend: ServerBackend) throws {
        // Given a base's day on the server, whose every change verifies
        let server = try ServerProcess.withOrgs(backend: backend)
        defer { server.stop() }
        let a = try CLI.linked(server, "a", "--role", "staff", "--org", "MH-SB-001")
        #expect(try a.run("participant", "add", "--start", "2024-01-01", "--name", "张三", "--cert", People.zhang).status == 0)
        #expect(try a.run("hours", "set", "张三", "2024-03-04", "4").status == 0)
        _ = try a.sync()
        let clean = try server.admin("verify")
        #expect(clean.status == 0 && clean.out.contains("verify"), "\(clean.out) \(clean.err)")
        #expect(try a.run("verify").status == 0)

        // When someone with the database turns its 4 h into 10 h
        try server.execute(backend == .sqlite ? "UPDATE ops SET value = 600 WHERE collection = 'hours' AND field = 'minutes'"
                                              : "UPDATE ops SET num = 600 WHERE collection = 'hours' AND field = 'minutes'")
        // Then verify names the change and fails
        let caught = try server.admin("verify")
        #expect(caught.status == 1 && caught.out.contains("hours/MH-SB-001/") && caught.out.contains("does not match"), "\(caught.out) \(caught.err)")
        // and a fresh laptop refuses it, saying from where, and applies nothing of it
        let b = try CLI.linked(server, "b", "--role", "staff", "--org", "MH-SB-001")
        let pulled = try b.run("sync")
        #expect(pulled.status == 1 && pulled.err.contains("fail their signatures") && pulled.err.contains("a · MH-SB-001"), "\(pulled.err)")
        #expect((try b.run("hours", "list", "--json").json() as? [Any])?.isEmpty == true)

        // And a laptop whose own file was changed by hand: its verify names the change
        let db = try a.database()
        try db.write { try $0.execute(sql: "UPDATE ops SET value = 900 WHERE collection = 'hours' AND field = 'minutes'") }
        try db.close()
        let local = try a.run("verify")
        #expect(local.status == 1 && local.out.contains("does not match"), "\(local.out) \(local.err)")
    }
}
