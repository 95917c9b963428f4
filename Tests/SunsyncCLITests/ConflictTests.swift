import Foundation
import SunsyncModel
import SunsyncStore
import Testing

/// Conflicts arrive from another laptop (here applied straight to the store, as sync will).
@Suite struct ConflictTests {
    /// Given 张三's 2024-03-04 recorded as 4 h here and, concurrently, as 3 h on laptop B.
    func conflicted() throws -> (CLI, RecordKey) {
        let cli = try CLI.withParticipants()
        try cli.run("hours", "set", "张三", "2024-03-04", "4")
        let store = try cli.openStore()
        let state = try store.mergedState([.hours])
        let key = try #require(state.records.keys.first)
        let laptopB = ReplicaID(0xb2)
        let ts = try #require(state[key]?.field("minutes")?.current.first?.id.timestamp)
        try store.apply([Op(id: OpID(timestamp: Timestamp(rawValue: ts.rawValue + 1), replica: laptopB), collection: .hours,
                            record: key.id, field: "minutes", value: .integer(180))])
        return (cli, key)
    }

    @Test func conflictsAreListedAndResolvedByKeepingAValue() throws {
        let (cli, _) = try conflicted()
        let conflicts = try #require(try cli.run("conflicts", "--json").json() as? [[String: Any]])
        #expect(conflicts.count == 1)
        let conflict = try #require(conflicts.first)
        #expect(conflict["name"] as? String == "张三" && conflict["field"] as? String == "minutes")
        let values = try #require(conflict["values"] as? [[String: Any]])
        #expect(values.map { $0["value"] as? String } == ["3", "4"])
        #expect(values.first?["replica"] as? String == "00000000000000b2")
        let table = try cli.run("conflicts")
        #expect(table.out.contains("张三") && table.out.contains("3 (…00b2"), "a device the server has not named shows as the end of its replica id")
        // The list and the flags show it; the day needs review
        #expect(try cli.run("hours", "list").out.contains("冲突"))
        // Keeping a value that is not offered is refused
        let wrong = try cli.run("resolve", conflict["ref"] as! String, "--keep", "5")
        #expect(wrong.status != 0 && wrong.err.contains("not one of the values"))
        // When staff keep 4 h, the conflict is gone and 4 h shows
        #expect(try cli.run("resolve", conflict["ref"] as! String, "--keep", "4").status == 0)
        #expect((try cli.run("conflicts", "--json").json() as? [Any])?.isEmpty == true)
        let hours = try #require(try cli.run("hours", "list", "--json").json() as? [[String: Any]])
        #expect(hours.first?["minutes"] as? Int == 240 && hours.first?["conflict"] as? Bool == false)
        // And the history shows both values replaced by the resolution
        let history = try #require(try cli.run("history", "张三", "2024-03-04", "--json").json() as? [[String: Any]])
        #expect(history.last?["old"] as? [String] == ["3", "4"] || history.last?["old"] as? [String] == ["4", "3"])
    }

    @Test func writingTheDayAgainResolvesTheConflict() throws {
        let (cli, _) = try conflicted()
        #expect(try cli.run("hours", "set", "张三", "2024-03-04", "3.5").status == 0)
        #expect((try cli.run("conflicts", "--json").json() as? [Any])?.isEmpty == true)
        let flags = try #require(try cli.run("flags", "--json").json() as? [[String: Any]])
        #expect(!flags.contains { $0["kind"] as? String == "conflict" })
    }
}
