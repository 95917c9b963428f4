import Foundation
import Testing

/// The files that hold participants' records are their owner's alone, whatever existed before: made private
/// on open, and said once.
@Suite struct PrivateFilesTests {
    static func mode(_ path: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? Int) ?? -1 }

    static func setMode(_ path: String, _ mode: Int) throws {
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    @Test func aLaptopHomeThatWasOpenToOthersIsMadePrivateAndSaidOnce() throws {
        let cli = CLI()
        try FileManager.default.createDirectory(atPath: cli.home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let made = try cli.run("init", "--org", "MH-SB-001")
        #expect(made.status == 0, "\(made.err)")
        #expect(Self.mode(cli.home) == 0o700 && Self.mode(cli.storePath) == 0o600)
        #expect(made.err.contains("made \(cli.home) private"), "\(made.err)")
        // A store someone made readable (a copy, a restore by hand): fixed at the next command, said once
        try Self.setMode(cli.storePath, 0o644)
        try Self.setMode(cli.home, 0o755)
        let next = try cli.run("status")
        #expect(next.status == 0 && next.err.contains("made \(cli.storePath) private to its owner (mode 644 → 600"), "\(next.err)")
        #expect(Self.mode(cli.home) == 0o700 && Self.mode(cli.storePath) == 0o600)
        #expect(try cli.run("participant", "add", "--start", "2024-01-01", "--name", "张三", "--cert", People.zhang).err.isEmpty)
        // Every file it writes is private: the WAL, a backup, an export
        for file in try FileManager.default.contentsOfDirectory(atPath: cli.home) {
            #expect(Self.mode(cli.home + "/" + file) & 0o077 == 0, "\(file)")
        }
        let export = cli.home + "-export.csv"
        defer { try? FileManager.default.removeItem(atPath: export) }
        #expect(try cli.run("export", "--kind", "participants", "--output", export).status == 0)
        #expect(Self.mode(export) == 0o600)
    }

    @Test func aServerDataDirThatWasOpenToOthersIsMadePrivate() throws {
        let server = try ServerProcess.withOrgs()
        defer { server.stop() }
        try Self.setMode(server.dataDir, 0o755)
        try Self.setMode(server.databasePath, 0o644)
        let listed = try server.admin("org", "list")
        #expect(listed.status == 0 && listed.err.contains("made \(server.databasePath) private"), "\(listed.err)")
        #expect(Self.mode(server.dataDir) == 0o700 && Self.mode(server.databasePath) == 0o600)
        #expect(try server.admin("org", "list").err.isEmpty, "said once")
    }
}
