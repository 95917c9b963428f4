import Foundation
import Logging
import PostgresNIO
import SunsyncModel
import SunsyncServerStore
import SunsyncStore
import Testing
@testable import SunsyncPostgres
import SunsyncTestSupport

/// The server stores a test runs against: SQLite always; PostgreSQL when `SUNSYNC_TEST_POSTGRES` names a
/// server (`.ci/run` starts one: scripts/postgres-cluster.sh). Each store is a new, empty database.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// The database URL PostgreSQL tests use; each test makes its own database in that server.
    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["SUNSYNC_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var available: [Backend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// A new empty store; `cleanup` closes it and deletes its database.
    func make() async throws -> (store: any ServerStore, cleanup: @Sendable () async -> Void) {
        switch self {
        case .sqlite:
            let dir = Scratch.path("server")
            let store = try SQLiteServerStore.open(path: dir + "/server.sqlite")
            return (store, { try? FileManager.default.removeItem(atPath: dir) })
        case .postgres:
            guard let url = Self.postgresURL else { throw StoreError(.invalid, "SUNSYNC_TEST_POSTGRES is not set") }
            let url2 = try await Self.newDatabase(url)
            let store = try await PostgresStore.connect(url: url2.url, maximumConnections: 8)
            return (store, {
                await store.close()
                await Self.dropDatabase(url, url2.name)
            })
        }
    }

    /// Runs `body` on a new empty store, then closes it and deletes its database.
    func with<T>(_ body: (any ServerStore) async throws -> T) async throws -> T {
        let (store, cleanup) = try await make()
        do {
            let result = try await body(store)
            await cleanup()
            return result
        } catch {
            await cleanup()
            throw error
        }
    }

    /// Makes a database of its own for one test in the server `url` names; returns its URL and name.
    static func newDatabase(_ url: String) async throws -> (url: String, name: String) {
        let name = "sunsync_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await withAdmin(url) { client in
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        }
        var parts = URLComponents(string: url)!
        parts.path = "/" + name
        return (parts.string!, name)
    }

    static func dropDatabase(_ url: String, _ name: String) async {
        try? await withAdmin(url) { client in
            try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
        }
    }

    static func withAdmin(_ url: String, _ body: (PostgresClient) async throws -> Void) async throws {
        let (configuration, _) = try PostgresStore.configuration(url)
        let client = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "test-admin"))
        let running = Task { await client.run() }
        defer { running.cancel() }
        try? await Task.sleep(for: .milliseconds(20))
        try await body(client)
    }
}
