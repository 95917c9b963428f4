import Foundation
import SunsyncModel
import SunsyncProtocol
import Testing

/// An org made by mistake, or closed, is retired: kept in history, off the review page, closed to new
/// entries on its laptops and at the server (`org_inactive`), and opened again by `org activate`.
@Suite(.serialized) struct RetiredOrgTests {
    @Test(arguments: ServerBackend.available) func aRetiredOrgTakesNoNewEntriesAndLeavesThePage(backend: ServerBackend) async throws {
        // Given a base with a recorded day, synced, and an empty base in the same district
        let server = try ServerProcess.withOrgs(backend: backend)
        defer { server.stop() }
        let laptop = try CLI.linked(server, "laptop-a", "--role", "staff", "--org", "MH-SB-001")
        #expect(try laptop.run("participant", "add", "--name", "张三", "--cert", People.zhang, "--start", "2024-01-01").status == 0)
        #expect(try laptop.run("hours", "set", "张三", "2024-03-04", "4").status == 0)
        _ = try laptop.sync()
        let staff = try server.token("attacker", "--role", "staff", "--org", "MH-SB-001")

        // When the district retires the base (and a code that does not exist)
        #expect(try server.admin("org", "deactivate", "MH-SB-404").err.contains("no organization"))
        let retired = try server.admin("org", "deactivate", "MH-SB-001")
        #expect(retired.status == 0 && retired.out.contains("Retired MH-SB-001"), "\(retired.err)")
        #expect(try server.admin("org", "list").out.contains("retired"))

        // Then its laptop, once synced, refuses new entries and says who can reopen it
        _ = try laptop.sync()
        let refused = try laptop.run("hours", "set", "张三", "2024-03-05", "4")
        #expect(refused.status != 0 && refused.err.contains("org activate MH-SB-001"), "\(refused.err)")
        // and the server refuses entries pushed anyway, but not a deletion or a reviewer's decision
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let zhang = try await server.personKey(People.zhang, token: staff)
        let day = "MH-SB-001/\(zhang)/2024-03-06"
        let pushed = try await IntegrityTests.push(server, staff, [
            ServerRefusalTests.op(now, day, "minutes", .integer(240), replica: ReplicaID(0xbad)),
            ServerRefusalTests.op(now + 1, "MH-SB-001/\(zhang)/2024-03-07", "deleted", .bool(true), replica: ReplicaID(0xbad)),
        ])
        #expect(pushed.rejected.map(\.code) == ["org_inactive"] && pushed.accepted.count == 1, "\(pushed.rejected)")
        // and its records stay: the reviewer sees its March, marked retired, but not in a month without records
        let browser = Browser(server)
        try await browser.signIn(try server.token("mh-review", "--role", "reviewer", "--district", "310112"))
        let march = try await browser.get("/review?month=2024-03").body
        #expect(march.contains("（已停用）") && march.contains("MH-SB-002"))
        let april = try await browser.get("/review?month=2024-04").body
        #expect(!april.contains("MH-SB-001") && april.contains("MH-SB-002"))

        // When it is opened again, entries work again
        #expect(try server.admin("org", "activate", "MH-SB-001").status == 0)
        _ = try laptop.sync()
        #expect(try laptop.run("hours", "set", "张三", "2024-03-05", "4").status == 0)
        let synced = try laptop.sync()
        #expect(!synced.out.contains("refused"), "\(synced.out)")
    }
}
