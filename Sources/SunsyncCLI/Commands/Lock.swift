import ArgumentParser
import Foundation
import SunsyncReports
import SunsyncStore

/// The store's key for a working session: `unlock` asks the passphrase once and keeps the key in the
/// kernel keyring (10 hours); `lock` forgets it now; `passphrase` changes the passphrase (not the key).
struct Lock: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Say.words.abstract(.lock),
        discussion: Say.words.discussion(.lock)) }
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let home = Home(global)
        guard FileManager.default.fileExists(atPath: home.keysPath) else { throw CLIError(.nothingToLock(home: home.directory)) }
        let held = KeyCache.drop(try KeysFile.read(home.keysPath).store)
        print(say(.locked(home: home.directory, already: !held)))
    }
}

struct Unlock: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Say.words.abstract(.unlock),
        discussion: Say.words.discussion(.unlock)) }
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let home = Home(global)
        _ = try home.open()
        guard KeyCache.get(try KeysFile.read(home.keysPath).store) != nil else {
            return print(say(.noKeyring))
        }
        let until = Date().addingTimeInterval(TimeInterval(KeyCache.seconds))
        print(say(.unlocked(home: home.directory, until: Display.time(millisecondsSince1970: Int64(until.timeIntervalSince1970 * 1000)))))
    }
}

struct PassphraseCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "passphrase",
        abstract: Say.words.abstract(.passphrase),
        discussion: Say.words.discussion(.passphrase)) }
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let home = Home(global)
        guard FileManager.default.fileExists(atPath: home.keysPath) else { _ = try home.open(); return print(say(.encryptedNow)) }
        let keys = try KeysFile.read(home.keysPath)
        let key = try keys.unwrap(passphrase: Passphrase.existing(global, for: home.directory))
        let given = ProcessInfo.processInfo.environment["SUNSYNC_NEW_PASSPHRASE"].flatMap { $0.isEmpty ? nil : $0 }
        let new = try Passphrase.new(given: given, why: say(.chooseNewPassphrase))
        try KeysFile.wrap(key, passphrase: new, store: keys.store).write(to: home.keysPath)
        KeyCache.put(key, keys.store)
        print(say(.passphraseChanged(home: home.directory)))
    }
}
