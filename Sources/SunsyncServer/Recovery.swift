import ArgumentParser
import Crypto
import Foundation
import SunsyncReports
import SunsyncModel
import SunsyncServerStore
import SunsyncStore

/// The district's recovery key (X25519): laptops seal their store's key to its public half at every sync,
/// so that a laptop whose passphrase was forgotten can be opened and nothing it had not synced is lost.
/// Its private half lives in a file the administrator keeps offline, never in the server's database.
extension ServerCommand {
    struct RecoveryCommand: AsyncParsableCommand {
        static var configuration: CommandConfiguration {
            adminConfiguration(.recovery, name: "recovery", subcommands: [Init.self, Open.self])
        }

        static let format = "sunsync-recovery-key-1"

        struct KeyFile: Codable {
            var format = RecoveryCommand.format
            var privateKey: String
            var publicKey: String
            enum CodingKeys: String, CodingKey { case format, privateKey = "private_key", publicKey = "public_key" }
        }

        struct Init: AsyncParsableCommand {
            static var configuration: CommandConfiguration { adminConfiguration(.recoveryInit) }
            @OptionGroup var data: DataOptions
            @Option(help: help(.recoveryOut, "file")) var out: String
            @Flag(help: help(.replace)) var replace = false

            func run() async throws {
                guard !FileManager.default.fileExists(atPath: out) else { throw AdminError(.fileExists(out)) }
                let existing = try await data.withStore { store in try await store.recoveryKey() }
                if let existing, !replace {
                    throw AdminError(.hasRecoveryKey(publicKey: String(existing.prefix(16))))
                }
                let key = Curve25519.KeyAgreement.PrivateKey()
                let publicKey = Hex.encode(Array(key.publicKey.rawRepresentation))
                let file = KeyFile(privateKey: Hex.encode(Array(key.rawRepresentation)), publicKey: publicKey)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                guard FileManager.default.createFile(atPath: out, contents: try encoder.encode(file), attributes: [.posixPermissions: 0o600]) else {
                    throw AdminError(.cannotWrite(out))
                }
                try await data.withStore { store in try await store.setRecoveryKey(publicKey) }
                if data.json { return print(#"{"file": "\#(out)", "public_key": "\#(publicKey)"}"#) }
                print(say(.madeRecoveryKey(publicKey: String(publicKey.prefix(16)), file: out)))
            }
        }

        struct Open: AsyncParsableCommand {
            static var configuration: CommandConfiguration { adminConfiguration(.recoveryOpen) }
            /// Taken like every admin command's (for --json); opening needs no database.
            @OptionGroup var data: DataOptions
            @Option(name: .customLong("key"), help: help(.recoveryKey, "file")) var keyFile: String
            @Option(help: help(.laptopKeys, "file")) var keys: String
            @Option(help: help(.keysOut, "file")) var out: String

            func run() throws {
                guard !FileManager.default.fileExists(atPath: out) else { throw AdminError(.fileExists(out)) }
                guard let contents = FileManager.default.contents(atPath: keyFile),
                      let file = try? JSONDecoder().decode(KeyFile.self, from: contents), file.format == RecoveryCommand.format,
                      let raw = Hex.decode(file.privateKey), let privateKey = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: raw) else {
                    throw AdminError(.notARecoveryKey(keyFile))
                }
                do {
                    let laptop = try KeysFile.read(keys)
                    let storeKey = try laptop.unsealed(withRecovery: privateKey)
                    let oneTime = Self.oneTimePassphrase()
                    try KeysFile.wrap(storeKey, passphrase: oneTime, store: laptop.store)
                        .sealed(storeKey, toRecovery: Array(privateKey.publicKey.rawRepresentation)).write(to: out)
                    if data.json { return print(#"{"keys": "\#(out)", "one_time_passphrase": "\#(oneTime)"}"#) }
                    print(say(.openedKeys(file: out, passphrase: oneTime)))
                } catch let error as StoreError {
                    throw AdminError(error)
                }
            }

            /// 20 characters from an alphabet without look-alikes (no 0/O, 1/l/I), in groups of 5: about 100 bits.
            static func oneTimePassphrase() -> String {
                let alphabet = Array("23456789abcdefghjkmnpqrstuvwxyz")
                var rng = SystemRandomNumberGenerator()
                let characters = (0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
                return stride(from: 0, to: 20, by: 5).map { String(characters[$0..<$0 + 5]) }.joined(separator: "-")
            }
        }
    }
}
