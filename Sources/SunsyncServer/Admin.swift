import ArgumentParser
import Foundation
import SunsyncModel
import SunsyncReports
import SunsyncServerStore
import SunsyncStore

@available(macOS 10.15, *)
extension ServerCommand {
    struct OrgCommand: AsyncParsableCommand {
        static var configuration: CommandConfiguration {
            adminConfiguration(.org, name: "org", subcommands: [Add.self, Edit.self, Deactivate.self, Activate.self, List.self])
        }

        struct Add: AsyncParsableCommand {
            static var configuration: CommandConfiguration { adminConfiguration(.orgAdd) }
            @OptionGroup var data: DataOptions
            @Option(help: help(.orgCode)) var code: String
            @Option(help: help(.orgName)) var name: String
            @Option(help: help(.orgKind)) var kind: String
            @Option(help: help(.district)) var district: String
            @Option(help: help(.town)) var town: String?
            @Option(name: .customLong("lunch-rate"), parsing: .unconditional, help: help(.lunchRate, "yuan")) var lunchRate: String?
            @Option(name: .customLong("lunch-rate-from"), help: help(.lunchRateFrom, "YYYY-MM-DD")) var lunchRateFrom: String?
            @Flag(help: help(.confirmRate)) var confirm = false

            func run() async throws {
                guard NaturalKey.isOrgCode(code) else { throw AdminError(.notAnOrgCode(code)) }
                if let refusal = Districts.refusal(district) { throw AdminError(refusal) }
                guard !name.allSatisfy(\.isWhitespace) else { throw AdminError(.emptyName) }
                var fields: [String: Value] = ["name": .text(name), "kind": .text(kind), "district": .text(district)]
                if let town { fields["town"] = .text(town) }
                if let lunchRate { fields["lunch_rate"] = .integer(try OrgCommand.lunchRate(lunchRate, confirmed: confirm)) }
                if let lunchRateFrom {
                    guard let date = CivilDate(typed: lunchRateFrom) else {
                        throw AdminError(.notADate(option: "--lunch-rate-from", text: lunchRateFrom, forms: CivilDate.typedForms))
                    }
                    fields["lunch_rate_from"] = .date(date)
                }
                let key = RecordKey(collection: .orgs, id: code)
                do { try Schema.validateNewRecord(key, fields: fields) } catch { throw AdminError(error) }
                let code = self.code, written = fields
                try await data.withStore { store in
                    let state = try await store.mergedState([.orgs], days: nil)
                    if let same = state.records(in: .orgs).compactMap({ Organization(key: $0.key, record: $0.record) })
                        .first(where: { $0.code != code && $0.name?.trimmingCharacters(in: .whitespaces) == name.trimmingCharacters(in: .whitespaces) }) {
                        throw AdminError(.sameName(code: same.code, name: name))
                    }
                    _ = try await store.edit([key], by: .server) { tx in
                        if tx.record(key) != nil { throw AdminError(.orgExists(code)) }
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
                    print(say(.orgRegistered(code: code, name: name, kind: kind, district: district)))
                }
            }
        }

        struct Edit: AsyncParsableCommand {
            static var configuration: CommandConfiguration { adminConfiguration(.orgEdit) }
            @OptionGroup var data: DataOptions
            @Argument(help: help(.orgCode)) var code: String
            @Option(help: help(.newName)) var name: String?
            @Option(name: .customLong("lunch-rate"), parsing: .unconditional, help: help(.lunchRate, "yuan")) var lunchRate: String?
            @Option(help: help(.rateFrom, "YYYY-MM-DD")) var from: String?
            @Flag(help: help(.confirmRate)) var confirm = false

            func validate() throws {
                guard name != nil || lunchRate != nil else { throw ValidationError(say(.nothingToChangeOrg)) }
                if lunchRate != nil, from.flatMap({ CivilDate(typed: $0) }) == nil { throw ValidationError(say(.lunchRateNeedsFrom)) }
            }

            func run() async throws {
                let key = RecordKey(collection: .orgs, id: code)
                try await data.withStore { store in
                    guard try await store.record(key) != nil else {
                        throw AdminError(.noOrganization(code))
                    }
                    if let name {
                        guard !name.allSatisfy(\.isWhitespace) else { throw AdminError(.emptyName) }
                        _ = try await store.edit([key], by: .server) { tx in try tx.set(key, "name", .text(name)) }
                    }
                    if let lunchRate, let from {
                        let fen = try OrgCommand.lunchRate(lunchRate, confirmed: confirm)
                        try await OrgCommand.addLunchRate(store, org: code, fen: fen, from: CivilDate(typed: from)?.description ?? from)
                    }
                }
                print(say(.orgChanged(code)))
            }
        }

        struct Deactivate: AsyncParsableCommand {
            static var configuration: CommandConfiguration { adminConfiguration(.orgDeactivate) }
            @OptionGroup var data: DataOptions
            @Argument(help: help(.orgCode)) var code: String

            func run() async throws { try await OrgCommand.setActive(code, false, data) }
        }

        struct Activate: AsyncParsableCommand {
            static var configuration: CommandConfiguration { adminConfiguration(.orgActivate) }
            @OptionGroup var data: DataOptions
            @Argument(help: help(.orgCode)) var code: String

            func run() async throws { try await OrgCommand.setActive(code, true, data) }
        }

        static func setActive(_ code: String, _ active: Bool, _ data: DataOptions) async throws {
            let key = RecordKey(collection: .orgs, id: code)
            let name = try await data.withStore { store in
                guard let record = try await store.record(key) else { throw AdminError(.noOrganization(code)) }
                _ = try await store.edit([key], by: .server) { tx in try tx.set(key, "active", .bool(active)) }
                return record.displayed("name")?.text ?? code
            }
            print(say(active ? .orgOpened(code: code, name: name) : .orgRetired(code: code, name: name)))
        }

        /// The usual daily lunch subsidy, in fen: a rate outside it is taken only with `--confirm`.
        static let usualLunchRate: ClosedRange<Int64> = 5_00...50_00

        /// A daily lunch rate in fen, from yuan: 0 (no subsidy from that date) to 100 yuan (a rate above is a typo,
        /// not a subsidy); outside the usual 5 to 50 yuan (but 0) only when `confirmed`: a slipped digit is caught.
        static func lunchRate(_ text: String, confirmed: Bool) throws -> Int64 {
            guard let fen = Quantity.fen(typed: text) else { throw AdminError(.notYuan(text)) }
            guard fen >= 0, fen <= 100_00 else { throw AdminError(.notALunchRate(text)) }
            guard fen == 0 || usualLunchRate.contains(fen) || confirmed else { throw AdminError(.unusualLunchRate(Quantity.yuan(fen))) }
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
            static var configuration: CommandConfiguration { adminConfiguration(.orgList) }
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
                if orgs.isEmpty { return print(say(.noOrgs)) }
                print(say(.orgHeader))
                for org in orgs {
                    let district = org.district.map { "\($0) \(Districts.names[$0] ?? "")" } ?? ""
                    print("\(org.code)\t\(org.name ?? "")\t\(org.kind.map { say(.kind($0)) } ?? "")\t\(district)\t\(org.town ?? "")\t\(org.lunchRate.map { say(.yuan(Quantity.yuan($0))) } ?? "")\t\(say(.active(org.active)))")
                }
            }
        }
    }

    struct DeviceCommand: AsyncParsableCommand {
        static var configuration: CommandConfiguration {
            adminConfiguration(.device, name: "device", subcommands: [Add.self, List.self, Edit.self, Revoke.self])
        }

        struct Add: AsyncParsableCommand {
            static var configuration: CommandConfiguration { adminConfiguration(.deviceAdd) }
            @OptionGroup var data: DataOptions
            @Option(help: help(.deviceName)) var name: String
            @Option(help: help(.role)) var role: Device.Role
            @Option(help: help(.deviceOrg)) var org: String?
            @Option(help: help(.deviceDistrict)) var district: String?
            @Flag(name: .customLong("may-reveal"), help: help(.mayReveal))
            var mayReveal = false

            func validate() throws {
                switch role {
                case .staff:
                    guard let org, NaturalKey.isOrgCode(org) else { throw ValidationError(say(.staffNeedsOrg)) }
                    guard district == nil else { throw ValidationError(say(.staffHasNoDistrict)) }
                case .reviewer:
                    guard let district, district.count == 6, district.allSatisfy(\.isNumber) else { throw ValidationError(say(.reviewerNeedsDistrict)) }
                    if let refusal = Districts.refusal(district) { throw ValidationError(say(refusal)) }
                    guard org == nil else { throw ValidationError(say(.reviewerHasNoOrg)) }
                case .admin:
                    guard org == nil, district == nil else { throw ValidationError(say(.adminHasNeither)) }
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
                        throw AdminError(.noOrgForDevice(org))
                    }
                    try await store.addDevice(device, tokenHash: Token.hash(token))
                }
                if data.json {
                    print(#"{"id": "\#(id)", "token": "\#(token)"}"#)
                } else {
                    print(say(.deviceAdded(role: role.rawValue, name: name, id: id, token: token)))
                    print(say(.onTheLaptop))
                    if role == .reviewer { print(say(.inABrowser)) }
                }
            }
        }

        struct List: AsyncParsableCommand {
            static var configuration: CommandConfiguration { adminConfiguration(.deviceList) }
            @OptionGroup var data: DataOptions

            func run() async throws {
                let devices = try await data.withStore { store in try await store.devices() }
                if data.json {
                    let encoder = JSONEncoder()
                    encoder.keyEncodingStrategy = .convertToSnakeCase
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                    return print(String(decoding: try encoder.encode(devices), as: UTF8.self))
                }
                if devices.isEmpty { return print(say(.noDevices)) }
                print(say(.deviceHeader))
                for d in devices {
                    let replicas = d.replicas.isEmpty ? say(.neverPushed) : say(.replicas(d.replicas.joined(separator: ", ")))
                    let warning = d.replicas.count > 1 ? "\t" + say(.oneTokenSeveralLaptops(d.replicas.count)) : ""
                    let scope = d.org ?? d.district.map { "\($0) \(Districts.names[$0] ?? "")" } ?? "-"
                    print("\(d.id)\t\(d.name)\t\(d.role.rawValue)\t\(scope)\t\(d.revokedAt.map { say(.revokedAt($0)) } ?? say(.active(true)))\t\(say(.mayReveal(d.mayReveal)))\t\(replicas)\(warning)")
                }
            }
        }

        struct Edit: AsyncParsableCommand {
            static var configuration: CommandConfiguration { adminConfiguration(.deviceEdit) }
            @OptionGroup var data: DataOptions
            @Argument(help: help(.deviceRef)) var device: String
            @Flag(exclusivity: .exclusive, help: help(.revealPermission)) var reveal: RevealPermission

            enum RevealPermission: String, EnumerableFlag {
                case mayReveal, noReveal
                static func name(for value: Self) -> NameSpecification { value == .mayReveal ? .customLong("may-reveal") : .customLong("no-reveal") }
            }

            func run() async throws {
                let edited = try await data.withStore { store in try await store.setMayReveal(device, reveal == .mayReveal) }
                guard let edited else { throw AdminError(.noDevice(device)) }
                if data.json { return print(#"{"id": "\#(edited.id)", "may_reveal": \#(edited.mayReveal)}"#) }
                print(say(.revealAllowed(name: edited.name, allowed: edited.mayReveal)))
            }
        }

        struct Revoke: AsyncParsableCommand {
            static var configuration: CommandConfiguration { adminConfiguration(.deviceRevoke) }
            @OptionGroup var data: DataOptions
            @Argument(help: help(.deviceRef)) var device: String

            func run() async throws {
                let revoked = try await data.withStore { store in try await store.revokeDevice(device, at: nowText()) }
                guard let revoked else { throw AdminError(.noDevice(device)) }
                print(data.json ? #"{"id": "\#(revoked.id)", "revoked_at": "\#(revoked.revokedAt ?? "")"}"# : say(.revoked(name: revoked.name, id: revoked.id)))
            }
        }
    }
}

extension Device.Role: ExpressibleByArgument {}
