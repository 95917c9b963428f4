import ArgumentParser
import Foundation
import SunsyncModel
import SunsyncReports
import SunsyncStore

struct Init: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Say.words.abstract(.initialize),
        discussion: Say.words.discussion(.initialize)) }

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp(Say.words.help(.orgCode), valueName: "code"))
    var org: String

    @Option(help: ArgumentHelp(Say.words.help(.orgName)))
    var name: String?

    @Option(name: .customLong("lunch-rate"), help: ArgumentHelp(Say.words.help(.lunchRate), valueName: "yuan"))
    var lunchRate: String?

    func validate() throws {
        guard NaturalKey.isOrgCode(org) else {
            throw ValidationError(say(.notAnOrgCode(org)))
        }
        if let lunchRate, (Quantity.fen(typed: lunchRate) ?? -1) < 0 {
            throw ValidationError(say(.lunchRateNotYuan(lunchRate)))
        }
    }

    func run() throws {
        let home = Home(global)
        do {
            try FileManager.default.createDirectory(atPath: home.directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw CLIError(.cannotCreate(home.directory, reason: error.localizedDescription))
        }
        var metadata = ["org": org]
        if let name { metadata["org_name"] = name }
        if let lunchRate, let fen = Quantity.fen(typed: lunchRate) { metadata["lunch_rate"] = String(fen) }
        var random = SystemRandomNumberGenerator()
        let store = try home.create(replica: ReplicaID(random.next() | 1), metadata: metadata)
        home.makePrivate()
        if global.json {
            try Output.json(["home": home.directory, "org": org, "replica": store.replica.description])
        } else {
            print(say(.initialized(org: org, name: name, home: home.directory, replica: store.replica.description)))
            print(say(.initNext))
        }
    }
}
