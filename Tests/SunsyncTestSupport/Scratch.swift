import Foundation

/// Where the tests write their files: one folder for the whole test process, `$TMPDIR/sunsync-tests-<pid>`,
/// removed when the process exits. Folders that test processes killed or crashed left behind are removed
/// when the next one starts. (Each test made its own folder straight in `$TMPDIR` before, and none removed
/// theirs: a developer's `/tmp` grew by ~2,000 folders and ~200 MB a run.)
public enum Scratch {
    static let prefix = "sunsync-tests-"

    /// This process's folder, made (world-readable, so that a PostgreSQL cluster a test starts as the
    /// `postgres` user can reach its own folder inside) the first time it is asked for.
    public static let root: URL = {
        let files = FileManager.default, parent = files.temporaryDirectory
        removeLeftovers(in: parent)
        let root = parent.appendingPathComponent(prefix + String(getpid()))
        try? files.removeItem(at: root)
        try? files.createDirectory(at: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        atexit { try? FileManager.default.removeItem(at: Scratch.root) }
        return root
    }()

    /// A fresh path in this process's folder, `<name>-<UUID><suffix>`, not made: a test makes a folder or a
    /// file there as it needs.
    public static func path(_ name: String, suffix: String = "") -> String {
        url(name, suffix: suffix).path
    }

    public static func url(_ name: String, suffix: String = "") -> URL {
        root.appendingPathComponent("\(name)-\(UUID().uuidString)\(suffix)")
    }

    /// Removes the folders of test processes that no longer run.
    static func removeLeftovers(in parent: URL) {
        let files = FileManager.default
        for name in (try? files.contentsOfDirectory(atPath: parent.path)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? files.removeItem(at: parent.appendingPathComponent(name))
        }
    }
}
