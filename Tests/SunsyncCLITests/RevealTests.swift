import Foundation
import SunsyncModel
import SunsyncProtocol
import Testing

/// Revealing full 残疾人证号 is a permission per device, states its purpose, and leaves a record the
/// district sees (PIPL art. 51; GB/T 35273 §7.2, §11.3): through the real server and laptops, on both backends.
@Suite(.serialized) struct RevealTests {
    static func reveals(_ server: ServerProcess, _ args: String...) throws -> [[String: Any]] {
        let listed = try server.adminArgs(["reveals", "--json"] + args)
        #expect(listed.status == 0, "\(listed.err)")
        return try #require(try listed.json() as? [[String: Any]], "\(listed.out)")
    }

    @Test(arguments: ServerBackend.available) func onlyAnAllowedLaptopRevealsAndEveryRevealIsRecorded(backend: ServerBackend) throws {
        // Given a base's laptop the administrator has not allowed to reveal, with a participant
        let server = try ServerProcess.withOrgs(backend: backend)
        defer { server.stop() }
        let laptop = try CLI.linked(server, "laptop-a", "--role", "staff", "--org", "MH-SB-001")
        #expect(try laptop.run("participant", "add", "--name", "张三", "--cert", People.zhang, "--start", "2024-01-01").status == 0)
        #expect(try laptop.run("hours", "set", "张三", "2024-03-04", "4").status == 0)
        let before = try laptop.opCount()

        // When it asks for full numbers
        let refused = try laptop.run("participant", "list", "--reveal", "--purpose", "核对")

        // Then it is refused, says who can allow it, shows nothing and writes nothing
        #expect(refused.status != 0 && refused.err.contains("device edit laptop-a --may-reveal"), "\(refused.err)")
        #expect(!refused.out.contains(People.zhang) && !refused.err.contains(People.zhang))
        #expect(try laptop.opCount() == before)

        // When the administrator allows it, and the laptop learns it at its next sync
        #expect(try server.admin("device", "edit", "laptop-a", "--may-reveal").status == 0)
        #expect(try server.admin("device", "list").out.contains("may reveal"))
        _ = try laptop.sync()
        let synced = try laptop.opCount()

        // Then a reveal without a purpose is still refused
        let noPurpose = try laptop.run("participant", "list", "--reveal")
        #expect(noPurpose.status != 0 && noPurpose.err.contains("--purpose"), "\(noPurpose.err)")
        // or with a purpose that hides a terminal escape, said in the person's language
        let escaped = try laptop.run(["participant", "list", "--reveal", "--purpose", "核对\u{1B}[2J"], environment: ["LC_ALL": "zh_CN.UTF-8"])
        #expect(escaped.status != 0 && escaped.err.contains("--purpose") && !escaped.err.contains("escape"), "\(escaped.err)")
        // and one with a purpose shows the full number, category and level, and is recorded on the laptop first
        let shown = try laptop.run("participant", "list", "--reveal", "--purpose", "核对残疾人证", "--wide")
        #expect(shown.status == 0 && shown.out.contains(People.zhang), "\(shown.err)")
        #expect(try laptop.opCount() == synced + 3, "one reveal record: participants, purpose and what was shown")
        #expect(try Self.reveals(server).isEmpty, "not at the server before the laptop syncs")

        // When it syncs
        _ = try laptop.sync()

        // Then the administrator sees who revealed whose number, why, and with which command
        let listed = try Self.reveals(server)
        #expect(listed.count == 1)
        let line = try #require(listed.first)
        #expect(line["device"] as? String == "laptop-a · MH-SB-001" && line["org"] as? String == "MH-SB-001")
        #expect(line["people"] as? [String] == ["张三"] && line["purpose"] as? String == "核对残疾人证")
        #expect((line["what"] as? String)?.hasPrefix("participant list --reveal") == true && !(line["what"] as? String ?? "").contains("核对"))
        #expect(try Self.reveals(server, "--district", "310104").isEmpty, "another district's reveals are not listed with its code")
        #expect(try server.admin("reveals").out.contains("核对残疾人证"))

        // When the permission is taken away
        #expect(try server.admin("device", "edit", "laptop-a", "--no-reveal").status == 0)
        _ = try laptop.sync()

        // Then the laptop may not reveal any more, and masked listings still work
        #expect(try laptop.run("report", "monthly", "--month", "2024-03", "--reveal", "--purpose", "x").status != 0)
        let masked = try laptop.run("participant", "list")
        #expect(masked.status == 0 && !masked.out.contains(People.zhang))

        // And a district reviewer allowed to reveal: the records of each base's people go to the server too
        let reviewer = try CLI.linked(server, "mh-review", "--role", "reviewer", "--district", "310112", "--may-reveal")
        _ = try reviewer.sync()
        let report = try reviewer.run("report", "monthly", "--month", "2024-03", "--reveal", "--purpose", "年度核查")
        #expect(report.status == 0, "\(report.err)")
        let sent = try reviewer.sync()
        #expect(!sent.out.contains("refused"), "\(sent.out)")
        let all = try Self.reveals(server, "--district", "310112")
        #expect(all.count == 2 && all.first?["purpose"] as? String == "年度核查" && all.first?["device"] as? String == "mh-review · 310112", "\(all)")
    }

    @Test(arguments: ServerBackend.available) func aRevealRecordCannotBeRewrittenOrPlantedElsewhere(backend: ServerBackend) async throws {
        // Given a reveal a laptop made and synced
        let server = try ServerProcess.withOrgs(backend: backend)
        defer { server.stop() }
        let laptop = try CLI.linked(server, "laptop-a", "--role", "staff", "--org", "MH-SB-001", "--may-reveal")
        #expect(try laptop.run("participant", "add", "--name", "张三", "--cert", People.zhang, "--start", "2024-01-01",
                               "--reveal", "--purpose", "登记").status == 0)
        _ = try laptop.sync()
        let attacker = try server.token("attacker", "--role", "staff", "--org", "MH-SB-001")
        let held = try await IntegrityTests.pull(server, attacker)
        let purpose = try #require(held.first { $0.collection == .reveals && $0.field == "purpose" })
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let replica = ReplicaID(0xbad)
        func op(_ n: UInt16, _ record: String, _ field: String, _ value: Value, pred: [OpID] = []) -> Op {
            Op(id: OpID(timestamp: Timestamp(milliseconds: now, counter: n), replica: replica), collection: .reveals,
               record: record, field: field, value: value, pred: pred)
        }

        // When another staff device rewrites its purpose (over it, and beside it), and plants one at another org
        let pushed = try await IntegrityTests.push(server, attacker, [
            op(0, purpose.record, "purpose", .text("无"), pred: [purpose.id]),
            op(1, purpose.record, "purpose", .text("无")),
        ])
        let planted = try await IntegrityTests.push(server, attacker, [
            op(2, "MH-SB-002/0123456789abcdef", "purpose", .text("栽赃")),
        ])

        // Then each is refused, and the reveal reads as it was written
        #expect(pushed.accepted.isEmpty && pushed.rejected.map(\.code) == ["forbidden", "forbidden"], "\(pushed.rejected)")
        #expect(planted.accepted.isEmpty && planted.rejected.map(\.code) == ["forbidden"])
        let listed = try Self.reveals(server)
        #expect(listed.count == 1 && listed.first?["purpose"] as? String == "登记")
        // and the district's reviewer sees it on the review page, another district's does not
        let browser = Browser(server)
        try await browser.signIn(try server.token("mh-review", "--role", "reviewer", "--district", "310112"))
        let page = try await browser.get("/review/reveals")
        #expect(page.status == 200 && page.body.contains("登记") && page.body.contains("张三") && page.body.contains("laptop-a"), "\(page.body.prefix(400))")
        #expect(!page.body.contains("栽赃") && !page.body.contains(People.zhang))
        #expect(try await browser.get("/review").body.contains("/review/reveals"))
        let other = Browser(server)
        try await other.signIn(try server.token("xh-review", "--role", "reviewer", "--district", "310104"))
        #expect(try await other.get("/review/reveals").body.contains("本区还没有查看完整证号的记录"))
    }

    @Test func aRevealMadeOfflineIsKeptAndNamesEveryoneShown() throws {
        // Given a laptop whose last session allowed it to reveal, with three participants, and no server
        let cli = try CLI.withParticipants()
        try cli.allowReveal()
        let before = try cli.opCount()

        // When it exports the participants with full numbers
        let export = try cli.run("export", "--kind", "participants", "--reveal", "--purpose", "转交区残联")

        // Then the export holds them, and one reveal record names all three (waiting to be sent)
        #expect(export.status == 0 && export.out.contains(People.zhang) && export.out.contains(People.li))
        #expect(try cli.opCount() == before + 3)
        let status = try #require(try cli.run("status", "--json").json() as? [String: Any])
        #expect((status["pending_ops"] as? Int ?? 0) >= 3)
        // and a listing with nobody in it records nothing
        let empty = try cli.run("hours", "list", "--month", "2019-01", "--reveal", "--purpose", "核对")
        #expect(empty.status == 0)
        #expect(try cli.opCount() == before + 3)
        // and --purpose alone is a mistake that says so
        let alone = try cli.run("participant", "list", "--purpose", "核对")
        #expect(alone.status != 0 && alone.err.contains("--reveal"))
        // and a number typed on the command line is masked in the record of what was shown
        try cli.run("participant", "show", People.li, "--reveal", "--purpose", "核对")
        try cli.run("participant", "show", "--reveal", "--purpose", "核对", "--", People.wang)
        let shown = try cli.openStore().mergedState([.reveals]).records.values.compactMap { $0.displayed("what")?.text }
        #expect(shown.contains("participant show 310112**********60** --reveal") && shown.contains("participant show --reveal -- 310112**********77**"), "\(shown)")
        #expect(!shown.contains { $0.contains(People.li) || $0.contains(People.wang) })
        // and a success line never reveals
        let set = try cli.run("hours", "set", "张三", "2024-03-04", "4", "--reveal", "--purpose", "核对")
        #expect(set.status == 0 && !set.out.contains(People.zhang), "\(set.out)")
    }
}
