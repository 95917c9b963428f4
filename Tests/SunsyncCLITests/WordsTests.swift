import Foundation
import Testing

/// What a person reads: success lines that say who, suggestions for a typo, help with no stray
/// characters, and --json meaning JSON.
@Suite struct WordsTests {
    @Test func successLinesNameTheParticipantWithTheMaskedNumber() throws {
        let cli = try CLI.withParticipants()
        let set = try cli.run("hours", "set", "张三", "2024-03-04", "3.5")
        #expect(set.status == 0 && set.out.contains("张三 (310112**********3X**) 2024-03-04: 3.5 h"), "\(set.out)")
        let lunch = try cli.run("lunch", "set", "张三", "2024-03-04")
        #expect(lunch.out.contains("张三 (310112**********3X**)"), "\(lunch.out)")
    }

    @Test func aMistypedNameGetsASuggestion() throws {
        let cli = try CLI.withParticipants()
        let result = try cli.run("hours", "set", "张", "2024-03-04", "3")
        #expect(result.status == 1 && result.err.contains("did you mean '张三'?"), "\(result.err)")
        let far = try cli.run("hours", "set", "欧阳修", "2024-03-04", "3")
        #expect(far.status == 1 && !far.err.contains("did you mean"), "\(far.err)")
    }

    @Test func exportWithJSONWritesJSON() throws {
        let cli = try CLI.withParticipants()
        try cli.run("hours", "set", "张三", "2024-03-04", "3.5")
        let rows = try #require(try cli.run("export", "--kind", "hours", "--json").json() as? [[String: Any]])
        #expect(rows.first?["minutes"] as? Int == 210)
    }

    @Test(arguments: ["backup", "restore", "review", "sync", "hours"])
    func helpHasNoStrayCharacters(_ command: String) throws {
        let help = try CLI().run(command, "--help")
        #expect(help.status == 0 && !help.out.contains("\\\n") && !help.out.contains(" \\"), "\(help.out)")
    }
}

@Suite struct VersionTests {
    @Test func bothBinariesSayTheirVersionAndCommit() throws {
        let pattern = #"^\d+\.\d+\.\d+ \(([0-9a-f]{12}\+?|unknown)\)\n$"#
        let cli = try CLI().run("--version")
        #expect(cli.status == 0 && cli.out.range(of: pattern, options: .regularExpression) != nil, "\(cli.out)")
        let server = try ServerProcess().adminArgs(["--version"])
        #expect(server.status == 0 && server.out == cli.out, "\(server.out)")
    }
}
