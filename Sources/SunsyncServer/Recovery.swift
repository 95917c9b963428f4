import ArgumentParser
import Crypto
import Foundation
import SunsyncModel
import SunsyncServerStore
import SunsyncStore

/// The district's recovery key (X25519): laptops seal their store's key to its public half at every sync,
/// so that a laptop whose passphrase was forgotten can be opened and nothing it had not synced is lost.
/// Its private half lives in a file the administrator keeps offline, never in the server's database.
extension ServerCommand {
    struct RecoveryCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "recovery",
            abstract: "The district's recovery key: opens a laptop's store whose passphrase was forgotten.",
            discussion: """
                sunsync-server recovery init --out /media/usb/recovery.key      # once; keep the file offline
                sunsync-server recovery open --key /media/usb/recovery.key --keys store.keys --out store.keys.new
                """,
            subcommands: [Init.self, Open.self])

        static let format = "sunsync-recovery-key-1"

        struct KeyFile: Codable {
            var format = RecoveryCommand.format
            var privateKey: String
            var publicKey: String
            enum CodingKeys: String, CodingKey { case format, privateKey = "private_key", publicKey = "public_key" }
        }

        struct Init: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Make the district's recovery key; its private half goes to --out (keep it offline).",
                discussion: """
                    Laptops seal their store's key to its public half at their next sync (or login). With --replace, a new key:
                    laptops seal to it at their next sync; keep the old file for laptops that have not synced since.
                    """)
            @OptionGroup var data: DataOptions
            @Option(help: ArgumentHelp("The new file for the private half (never overwritten).", valueName: "file")) var out: String
            @Flag(help: "Replace the recovery key the server hands out now.") var replace = false

            func run() async throws {
                guard !FileManager.default.fileExists(atPath: out) else { throw AdminError("\(out) already exists; give a new file (it is never overwritten)") }
                let existing = try await data.withStore { store in try await store.recoveryKey() }
                if let existing, !replace {
                    throw AdminError("the district has a recovery key already (public half \(existing.prefix(16))…); laptops are sealed to it. "
                        + "--replace makes a new one (keep the old private key file for laptops that have not synced since)")
                }
                let key = Curve25519.KeyAgreement.PrivateKey()
                let publicKey = Hex.encode(Array(key.publicKey.rawRepresentation))
                let file = KeyFile(privateKey: Hex.encode(Array(key.rawRepresentation)), publicKey: publicKey)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                guard FileManager.default.createFile(atPath: out, contents: try encoder.encode(file), attributes: [.posixPermissions: 0o600]) else {
                    throw AdminError("cannot write \(out): check that its folder exists and is writable")
                }
                try await data.withStore { store in try await store.setRecoveryKey(publicKey) }
                if data.json { return print(#"{"file": "\#(out)", "public_key": "\#(publicKey)"}"#) }
                print("""
                    Made the district's recovery key (public half \(publicKey.prefix(16))…). Its private half is in \(out):
                    keep that file offline (a USB stick in a safe), never on the server. Laptops seal their store's key to it
                    at their next sync; `sunsync-server recovery open` then opens a laptop whose passphrase was forgotten.
                    """)
            }
        }

        struct Open: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Open a laptop's keys file with the recovery key: a new keys file under a one-time passphrase.",
                discussion: """
                    Copy store.keys from the laptop's home (~/.local/share/sunsync, or its --home), run this where the recovery
                    key file is, and copy --out back over the laptop's store.keys. The laptop then opens with the one-time
                    passphrase printed here; `sunsync passphrase` chooses a new one. The store itself never leaves the laptop.
                    """)
            /// Taken like every admin command's (for --json); opening needs no database.
            @OptionGroup var data: DataOptions
            @Option(name: .customLong("key"), help: ArgumentHelp("The recovery key file `recovery init` wrote.", valueName: "file")) var keyFile: String
            @Option(help: ArgumentHelp("The laptop's store.keys.", valueName: "file")) var keys: String
            @Option(help: ArgumentHelp("The new keys file to write (never overwritten).", valueName: "file")) var out: String

            func run() throws {
                guard !FileManager.default.fileExists(atPath: out) else { throw AdminError("\(out) already exists; give a new file (it is never overwritten)") }
                guard let contents = FileManager.default.contents(atPath: keyFile),
                      let file = try? JSONDecoder().decode(KeyFile.self, from: contents), file.format == RecoveryCommand.format,
                      let raw = Hex.decode(file.privateKey), let privateKey = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: raw) else {
                    throw AdminError("\(keyFile) is not a recovery key file written by `sunsync-server recovery init`")
                }
                do {
                    let laptop = try KeysFile.read(keys)
                    let storeKey = try laptop.unsealed(withRecovery: privateKey)
                    let oneTime = Self.oneTimePassphrase()
                    try KeysFile.wrap(storeKey, passphrase: oneTime, store: laptop.store)
                        .sealed(storeKey, toRecovery: Array(privateKey.publicKey.rawRepresentation)).write(to: out)
                    if data.json { return print(#"{"keys": "\#(out)", "one_time_passphrase": "\#(oneTime)"}"#) }
                    print("""
                        Opened. Copy \(out) over the laptop's store.keys; the laptop then opens with this one-time passphrase:

                          \(oneTime)

                        and `sunsync passphrase` there chooses a new one.
                        """)
                } catch let error as StoreError {
                    throw AdminError(error.message)
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
