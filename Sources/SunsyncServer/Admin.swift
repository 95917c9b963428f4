import ArgumentParser
import Foundation
import SunsyncModel
import SunsyncReports
import SunsyncServerStore
import SunsyncStore

@available(macOS 10.15, *)
extension ServerCommand {
    struct OrgCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "org", abstract: "Register organizations (阳光基地, 扶残涉农经济组织).", subcommands: [Add.self, Edit.self, Deactivate.self, Activate.self, List.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Register an organization; it reaches the laptops that may see it at their next sync.",
                discussion: "Example: sunsync-server org add --code MH-SB-001 --name 莘庄镇阳光基地 --kind sunshine-base --district 310112 --town 310112101 --lunch-rate 15")
            @OptionGroup var data: DataOptions
            @Option(help: "The org code (A-Z, 0-9, '-').") var code: String
            @Option(help: "The name.") var name: String
            @Option(help: "sunshine-base or rural-org.") var kind: String
            @Option(help: "The 6-digit district code, e.g. 310112 (闵行).") var district: String
            @Option(help: "The 9-digit town or street code.") var town: String?
            @Option(name: .customLong("lunch-rate"), parsing: .unconditional, help: ArgumentHelp("The daily lunch subsidy in yuan.", valueName: "yuan")) var lunchRate: String?
            @Option(name: .customLong("lunch-rate-from"), help: ArgumentHelp("The date the lunch rate applies from.", valueName: "YYYY-MM-DD")) var lunchRateFrom: String?
            @Flag(help: "Take a lunch rate outside the usual 5 to 50 yuan a day (0 to 100 are possible).") var confirm = false

            func run() async throws {
                guard NaturalKey.isOrgCode(code) else { throw AdminError("'\(code)' is not an org code: use A-Z, 0-9 and '-', e.g. MH-SB-001") }
                if let refusal = Districts.refusal(district) { throw AdminError(refusal) }
                guard !name.allSatisfy(\.isWhitespace) else { throw AdminError("--name cannot be empty") }
                var fields: [String: Value] = ["name": .text(name), "kind": .text(kind), "district": .text(district)]
                if let town { fields["town"] = .text(town) }
                if let lunchRate { fields["lunch_rate"] = .integer(try OrgCommand.lunchRate(lunchRate, confirmed: confirm)) }
                if let lunchRateFrom {
                    guard let date = CivilDate(typed: lunchRateFrom) else { throw AdminError("--lunch-rate-from '\(lunchRateFrom)' is not a real date: write \(CivilDate.typedForms)") }
                    fields["lunch_rate_from"] = .date(date)
                }
                let key = RecordKey(collection: .orgs, id: code)
                do { try Schema.validateNewRecord(key, fields: fields) } catch { throw AdminError(error.message) }
                let code = self.code, written = fields
                try await data.withStore { store in
                    let state = try await store.mergedState([.orgs], days: nil)
                    if let same = state.records(in: .orgs).compactMap({ Organization(key: $0.key, record: $0.record) })
                        .first(where: { $0.code != code && $0.name?.trimmingCharacters(in: .whitespaces) == name.trimmingCharacters(in: .whitespaces) }) {
                        throw AdminError("\(same.code) is already named \(name): give this organization its own name (its town, say)")
                    }
                    _ = try await store.edit([key], by: .server) { tx in
                        if tx.record(key) != nil { throw StoreError(.invalid, "\(code) is already registered") }
                        for (field, value) in written.sorted(by: { $0.key < $1.key }) { try tx.set(key, field, value) }
                    }
                    if let fen = written["lunch_rate"]?.integer {
                        // The record has its rate already; the rules get its first dated entry.
                        try await OrgCommand.addLunchRate(store, org: code, fen: fen, from: lunchRateFrom.flatMap { CivilDate(typed: $0)?.description } ?? "1900-01-01", updatingRecord: false)
                    }
                }
                if data.json {
                    print(#"{"code": "\#(code)"}"#)
                } else {
                    print("Registered \(code) \(name) (\(kind), district \(district))")
                }
            }
        }

        struct Edit: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Change an organization's name, or its lunch rate from a date on (the rate's history is kept).",
                discussion: """
                    sunsync-server org edit MH-SB-001 --lunch-rate 18 --from 2025-07-01
                    Lunches dated before 2025-07-01 are still checked against the earlier rate.
                    """)
            @OptionGroup var data: DataOptions
            @Argument(help: "The org code.") var code: String
            @Option(help: "A new name.") var name: String?
            @Option(name: .customLong("lunch-rate"), parsing: .unconditional, help: ArgumentHelp("The daily lunch subsidy in yuan.", valueName: "yuan")) var lunchRate: String?
            @Option(help: ArgumentHelp("The date the lunch rate applies from.", valueName: "YYYY-MM-DD")) var from: String?
            @Flag(help: "Take a lunch rate outside the usual 5 to 50 yuan a day (0 to 100 are possible).") var confirm = false

            func validate() throws {
                guard name != nil || lunchRate != nil else { throw ValidationError("nothing to change: give --name or --lunch-rate YUAN --from DATE") }
                if lunchRate != nil, from.flatMap({ CivilDate(typed: $0) }) == nil {
                    throw ValidationError("--lunch-rate needs --from YYYY-MM-DD, a real date: the day the rate applies from")
                }
            }

            func run() async throws {
                let key = RecordKey(collection: .orgs, id: code)
                try await data.withStore { store in
                    guard try await store.record(key) != nil else {
                        throw AdminError("no organization \(code); `sunsync-server org list` shows them")
                    }
                    if let name {
                        guard !name.allSatisfy(\.isWhitespace) else { throw AdminError("--name cannot be empty") }
                        _ = try await store.edit([key], by: .server) { tx in try tx.set(key, "name", .text(name)) }
                    }
                    if let lunchRate, let from {
                        let fen = try OrgCommand.lunchRate(lunchRate, confirmed: confirm)
                        try await OrgCommand.addLunchRate(store, org: code, fen: fen, from: CivilDate(typed: from)?.description ?? from)
                    }
                }
                print("Changed \(code). Laptops receive it at their next sync.")
            }
        }

        struct Deactivate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Retire an organization: kept in history and reports, off the review page, closed to new entries.",
                discussion: """
                    sunsync-server org deactivate MH-SB-009
                    Its laptops learn it at their next sync and refuse new entries; the server refuses entries made before
                    (they stay on the laptop, listed by `sunsync rejected`). Reviewers can still decide on its records.
                    `sunsync-server org activate MH-SB-009` opens it again.
                    """)
            @OptionGroup var data: DataOptions
            @Argument(help: "The org code.") var code: String

            func run() async throws { try await OrgCommand.setActive(code, false, data) }
        }

        struct Activate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Open a retired organization to entries again.")
            @OptionGroup var data: DataOptions
            @Argument(help: "The org code.") var code: String

            func run() async throws { try await OrgCommand.setActive(code, true, data) }
        }

        static func setActive(_ code: String, _ active: Bool, _ data: DataOptions) async throws {
            let key = RecordKey(collection: .orgs, id: code)
            let name = try await data.withStore { store in
                guard let record = try await store.record(key) else { throw AdminError("no organization \(code); `sunsync-server org list` shows them") }
                _ = try await store.edit([key], by: .server) { tx in try tx.set(key, "active", .bool(active)) }
                return record.displayed("name")?.text ?? code
            }
            print(active ? "Opened \(code) (\(name)) to entries again. Its laptops learn it at their next sync."
                         : "Retired \(code) (\(name)): kept in history, off the review page, closed to new entries. Its laptops learn it at their next sync.")
        }

        /// The usual daily lunch subsidy, in fen: a rate outside it is taken only with `--confirm`.
        static let usualLunchRate: ClosedRange<Int64> = 5_00...50_00

        /// A daily lunch rate in fen, from yuan: 0 (no subsidy from that date) to 100 yuan (a rate above is a typo,
        /// not a subsidy); outside the usual 5 to 50 yuan (but 0) only when `confirmed`: a slipped digit is caught.
        static func lunchRate(_ text: String, confirmed: Bool) throws -> Int64 {
            guard let fen = Quantity.fen(typed: text) else { throw AdminError("--lunch-rate '\(text)' is not an amount in yuan: write it like 15 or 12.50") }
            guard fen >= 0, fen <= 100_00 else {
                throw AdminError("--lunch-rate \(text) yuan a day is not a lunch subsidy: give 0 to 100 yuan")
            }
            guard fen == 0 || usualLunchRate.contains(fen) || confirmed else {
                throw AdminError("--lunch-rate \(Quantity.yuan(fen)) yuan a day is outside the usual 5 to 50 yuan: if it is right, give --confirm as well")
            }
            return fen
        }

        /// Adds a dated lunch rate to the rules the server distributes, and writes the latest one to the org
        /// record, where laptops of older versions read it.
        static func addLunchRate(_ store: any ServerStore, org code: String, fen: Int64, from: String, updatingRecord: Bool = true) async throws {
            let rules = try await store.updateRules { rules in
                rules.lunchRates[code] = ((rules.lunchRates[code] ?? []).filter { $0.from != from } + [.init(from: from, value: fen)])
                    .sorted { $0.from < $1.from }
            }
            guard updatingRecord, let latest = rules.lunchRates[code]?.last, let date = CivilDate(latest.from) else { return }
            let key = RecordKey(collection: .orgs, id: code)
            _ = try await store.edit([key], by: .server) { tx in
                try tx.set(key, "lunch_rate", .integer(latest.value))
                try tx.set(key, "lunch_rate_from", .date(date))
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List organizations.")
            @OptionGroup var data: DataOptions

            func run() async throws {
                let state = try await data.withStore { store in try await store.mergedState([.orgs], days: nil) }
                let orgs = state.records(in: .orgs).compactMap { Organization(key: $0.key, record: $0.record) }
                if data.json {
                    let rows = orgs.map { ["code": $0.code, "name": $0.name ?? "", "kind": $0.kind ?? "", "district": $0.district ?? "",
                                          "district_name": $0.district.flatMap { Districts.names[$0] } ?? "",
                                          "town": $0.town ?? "", "lunch_rate": $0.lunchRate.map(Quantity.yuan) ?? ""] }
                    let data = try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys, .prettyPrinted])
                    print(String(decoding: data, as: UTF8.self))
                    return
                }
                if orgs.isEmpty { return print("No organizations yet: add one with `sunsync-server org add`.") }
                print("code\tname\tkind\tdistrict\ttown\tlunch rate\tstate")
                for org in orgs {
                    let district = org.district.map { "\($0) \(Districts.names[$0] ?? "")" } ?? ""
                    print("\(org.code)\t\(org.name ?? "")\t\(org.kind ?? "")\t\(district)\t\(org.town ?? "")\t\(org.lunchRate.map { Quantity.yuan($0) + " yuan" } ?? "")\t\(org.active ? "active" : "retired")")
                }
            }
        }
    }

    struct DeviceCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "device", abstract: "Give laptops their tokens, list them, allow one to reveal, revoke a lost one.",
            subcommands: [Add.self, List.self, Edit.self, Revoke.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a device and print its token once (only a hash is kept).",
                discussion: """
                    sunsync-server device add --name 莘庄-笔记本1 --role staff --org MH-SB-001
                    sunsync-server device add --name 闵行残联-审核1 --role reviewer --district 310112
                    sunsync-server device add --name 管理员 --role admin
                    A reviewer's token works on a reviewer's laptop (sunsync login) and on the review page (/review).
                    """)
            @OptionGroup var data: DataOptions
            @Option(help: "A name to know the device by (unique).") var name: String
            @Option(help: "staff (one org), reviewer (one district) or admin.") var role: Device.Role
            @Option(help: "The org a staff device records for.") var org: String?
            @Option(help: "The district a reviewer reviews.") var district: String?
            @Flag(name: .customLong("may-reveal"), help: "Allow it to show full 残疾人证号 (sunsync --reveal --purpose …); every reveal is recorded. Off by default.")
            var mayReveal = false

            func validate() throws {
                switch role {
                case .staff:
                    guard let org, NaturalKey.isOrgCode(org) else { throw ValidationError("a staff device needs --org CODE") }
                    guard district == nil else { throw ValidationError("a staff device belongs to an org, not a district") }
                case .reviewer:
                    guard let district, district.count == 6, district.allSatisfy(\.isNumber) else {
                        throw ValidationError("a reviewer needs --district with a 6-digit district code, e.g. 310112")
                    }
                    if let refusal = Districts.refusal(district) { throw ValidationError(refusal) }
                    guard org == nil else { throw ValidationError("a reviewer belongs to a district, not an org") }
                case .admin:
                    guard org == nil, district == nil else { throw ValidationError("an admin device has neither --org nor --district") }
                }
            }

            func run() async throws {
                var rng = SystemRandomNumberGenerator()
                let id = "dev_" + String(rng.next() & 0xFFFF_FFFF_FFFF, radix: 16)
                let token = Token.generate()
                var device = Device(id: id, name: name, role: role, org: org, district: district, createdAt: nowText(), revokedAt: nil)
                device.mayReveal = mayReveal
                try await data.withStore { store in
                    if role == .staff, let org, try await store.record(RecordKey(collection: .orgs, id: org)) == nil {
                        throw AdminError("no organization \(org) is registered; add it first with `sunsync-server org add`")
                    }
                    try await store.addDevice(device, tokenHash: Token.hash(token))
                }
                if data.json {
                    print(#"{"id": "\#(id)", "token": "\#(token)"}"#)
                } else {
                    print("Added \(role.rawValue) device \(name) (\(id)). Its token, shown only now:\n\n  \(token)\n")
                    print("On the laptop: sunsync login --server <this server's URL> --token <token>")
                    if role == .reviewer { print("In a browser: <this server's URL>/review, signing in with the same token") }
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List devices (tokens are never shown again).")
            @OptionGroup var data: DataOptions

            func run() async throws {
                let devices = try await data.withStore { store in try await store.devices() }
                if data.json {
                    let encoder = JSONEncoder()
                    encoder.keyEncodingStrategy = .convertToSnakeCase
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                    return print(String(decoding: try encoder.encode(devices), as: UTF8.self))
                }
                if devices.isEmpty { return print("No devices yet: add one with `sunsync-server device add`.") }
                print("id\tname\trole\torg or district\tstate\treveals\treplicas")
                for d in devices {
                    let replicas = d.replicas.isEmpty ? "never pushed" : "replica " + d.replicas.joined(separator: ", ")
                    let warning = d.replicas.count > 1 ? "\t⚠ used from \(d.replicas.count) replicas: one token on several laptops? revoke it and give each laptop its own" : ""
                    print("\(d.id)\t\(d.name)\t\(d.role.rawValue)\t\(d.org ?? d.district.map { "\($0) \(Districts.names[$0] ?? "")" } ?? "-")\t\(d.revokedAt.map { "revoked " + $0 } ?? "active")\t\(d.mayReveal ? "may reveal" : "masked")\t\(replicas)\(warning)")
                }
            }
        }

        struct Edit: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Allow a device to show full 残疾人证号, or stop it.",
                discussion: """
                    sunsync-server device edit 莘庄-笔记本1 --may-reveal
                    sunsync-server device edit 莘庄-笔记本1 --no-reveal
                    The laptop learns it at its next sync (or login). Each reveal states its purpose and is recorded
                    (`sunsync-server reveals`); reveals made offline while it was allowed arrive with its next sync.
                    """)
            @OptionGroup var data: DataOptions
            @Argument(help: "The device's id or name.") var device: String
            @Flag(exclusivity: .exclusive, help: "Allow revealing, or stop it.") var reveal: RevealPermission

            enum RevealPermission: String, EnumerableFlag {
                case mayReveal, noReveal
                static func name(for value: Self) -> NameSpecification { value == .mayReveal ? .customLong("may-reveal") : .customLong("no-reveal") }
            }

            func run() async throws {
                let edited = try await data.withStore { store in try await store.setMayReveal(device, reveal == .mayReveal) }
                guard let edited else { throw AdminError("no device '\(device)'; `sunsync-server device list` shows them") }
                if data.json { return print(#"{"id": "\#(edited.id)", "may_reveal": \#(edited.mayReveal)}"#) }
                print(edited.mayReveal
                      ? "\(edited.name) may now reveal full 残疾人证号, each time with a purpose, recorded; it learns this at its next sync"
                      : "\(edited.name) may no longer reveal; it learns this at its next sync")
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a device: its next request is refused. Its records stay.")
            @OptionGroup var data: DataOptions
            @Argument(help: "The device's id or name.") var device: String

            func run() async throws {
                let revoked = try await data.withStore { store in try await store.revokeDevice(device, at: nowText()) }
                guard let revoked else { throw AdminError("no device '\(device)'; `sunsync-server device list` shows them") }
                print(data.json ? #"{"id": "\#(revoked.id)", "revoked_at": "\#(revoked.revokedAt ?? "")"}"# : "Revoked \(revoked.name) (\(revoked.id))")
            }
        }
    }
}

extension Device.Role: ExpressibleByArgument {}
