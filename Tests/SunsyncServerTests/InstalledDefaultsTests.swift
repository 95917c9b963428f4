import Testing
@testable import SunsyncServer

/// `/etc/default/sunsync-server` as the package installs it, read the way systemd's EnvironmentFile reads it.
@Suite struct InstalledDefaultsTests {
    @Test func readsTheFileThePackageInstalls() throws {
        let text = try String(contentsOfFile: #filePath.replacingOccurrences(of: "Tests/SunsyncServerTests/InstalledDefaultsTests.swift",
                                                                            with: "packaging/sunsync-server.default"), encoding: .utf8)
        let values = InstalledDefaults.parse(text)
        #expect(values["SUNSYNC_DATA_DIR"] == "/var/lib/sunsync")
        #expect(values["SUNSYNC_SERVE_OPTIONS"] == "--host 127.0.0.1 --port 8080")
        #expect(values["SUNSYNC_DATABASE"] == nil, "commented out")
    }

    @Test func quotesCommentsAndBlankLines() {
        let values = InstalledDefaults.parse("""
            # a comment
            A='single quoted'
              B = "double quoted"

            C=plain=with=equals
            #D=commented
            """)
        #expect(values == ["A": "single quoted", "B": "double quoted", "C": "plain=with=equals"])
    }
}
