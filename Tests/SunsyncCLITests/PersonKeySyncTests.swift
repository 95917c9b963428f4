import Foundation
import SunsyncModel
import SunsyncProtocol
import Testing

/// Person keys under the server's secret (SPEC §1), through the real binaries: a laptop that registered
/// people offline, under a secret of its own, moves to the server's at login, so that it and a laptop made
/// by login write the same person's records, not two of them.
@Suite(.serialized) struct PersonKeySyncTests {
    @Test(arguments: ServerBackend.available) func aLaptopMadeOfflineMovesToTheServersKeys(backend: ServerBackend) async throws {
        let server = try ServerProcess.withOrgs(backend: backend)
        defer { server.stop() }
        // Given a base laptop made offline, its people registered and a day recorded before it ever synced
        let offline = try CLI.withParticipants()
        #expect(try offline.run("hours", "set", "张三", "2024-03-04", "4").status == 0)
        let own = try offline.personKey(People.zhang)
        // and a second laptop of the base, made by login, registering the same person and another day
        let second = try CLI.linked(server, "b", "--role", "staff", "--org", "MH-SB-001")
        #expect(try second.run("participant", "add", "--start", "2024-01-01", "--name", "张三", "--cert", People.zhang).status == 0)
        #expect(try second.run("hours", "set", "张三", "2024-03-05", "3").status == 0)
        _ = try second.sync()
        // When the first logs in, then its records take the server's keys, and it says so once
        let token = try #require(try server.adminArgs(["device", "add", "--name", "a", "--role", "staff", "--org", "MH-SB-001", "--json"]).json() as? [String: String])
        let login = try offline.run("login", "--server", server.url, "--token", token["token"]!)
        #expect(login.status == 0 && login.out.contains("person keys"), "\(login.out)\(login.err)")
        let serverKey = try await server.personKey(People.zhang, token: token["token"]!)
        #expect(try offline.personKey(People.zhang) == serverKey && serverKey != own)
        _ = try offline.sync()
        _ = try second.sync()
        // and both laptops hold one 张三 with both days
        for laptop in [offline, second] {
            let days = try laptop.run("hours", "list", "--json")
            let lines = try #require(try days.json() as? [[String: Any]], "\(days.err)")
            #expect(Set(lines.compactMap { $0["participant_id"] as? String }) == ["MH-SB-001/\(serverKey)"], "\(days.out)")
            #expect(lines.count == 2)
        }
        // and the server holds no id made with the laptop's own secret, nor an unkeyed one
        let pulled = try Wire.decoder().decode(PullResponse.self, from: try await server.request("GET", "/v1/pull?after=0", token: token["token"]!).body).ops
        let unkeyed = PersonKeys.unkeyed(try CertificateNumber(validating: People.zhang).residentID)
        #expect(!pulled.isEmpty && !pulled.contains { $0.record.contains(own) || $0.record.contains(unkeyed) })
        #expect(try offline.run("verify").status == 0)
    }
}
