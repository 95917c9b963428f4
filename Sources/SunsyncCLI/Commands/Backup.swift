import ArgumentParser
import Foundation
import SunsyncReports
import SunsyncStore

struct Backup: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Say.words.abstract(.backup),
        discussion: Say.words.discussion(.backup)) }
    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp(Say.words.help(.backupFile), valueName: "file")) var file: String

    struct Document: Encodable {
        let file: String
        let bytes: Int64
        let ops: Int
        let pendingOps: Int
    }

    func run() throws {
        let home = Home(global)
        let store = try home.open()
        let keys = try KeysFile.read(home.keysPath)
        guard !FileManager.default.fileExists(atPath: file + ".keys") else {
            throw CLIError(.backupExists(file))
        }
        let copy: (bytes: Int64, ops: Int, pending: Int)
        do { copy = try store.backup(to: file) } catch { throw CLIError(error) }
        do { try keys.write(to: file + ".keys") } catch {
            try? FileManager.default.removeItem(atPath: file)
            throw error
        }
        let doc = Document(file: file, bytes: copy.bytes, ops: copy.ops, pendingOps: copy.pending)
        if global.json { return try Output.json(doc) }
        print(say(.backedUp(changes: doc.ops, pending: doc.pendingOps, file: file, kib: doc.bytes / 1024)))
    }
}

struct RestoreCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "restore",
        abstract: Say.words.abstract(.restore),
        discussion: Say.words.discussion(.restore)) }
    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp(Say.words.help(.backupToRestore), valueName: "file")) var file: String

    func run() throws {
        let home = Home(global)
        let aside: String?
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else { throw CLIError(.noSuchFile(file)) }
        guard !isDirectory.boolValue else { throw CLIError(.isAFolder(file)) }
        // A backup made before stores were encrypted (no FILE.keys, in the clear): restored as it is; the next
        // command encrypts it, with this home's key or a passphrase chosen then.
        if !FileManager.default.fileExists(atPath: file + ".keys"), Store.isPlaintext(file) {
            do {
                try FileManager.default.createDirectory(atPath: home.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                aside = try Store.restore(from: file, to: home.storePath)
            } catch let error as StoreError { throw CLIError(error) }
            _ = try home.open()
            print(say(.restoredPlain(file, home: home.directory, aside: aside)))
            return print(say(.syncAfterRestore))
        }
        // The backup's key: from FILE.keys (the key kept for this session, or the passphrase of the backup).
        guard FileManager.default.fileExists(atPath: file + ".keys") else {
            throw CLIError(.backupKeysMissing(file))
        }
        let keys = try KeysFile.read(file + ".keys")
        let key = try KeyCache.get(keys.store) ?? keys.unwrap(passphrase: Passphrase.existing(global, for: file))
        let current = try? KeysFile.read(home.keysPath)
        do {
            try FileManager.default.createDirectory(atPath: home.directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            aside = try Store.restore(from: file, to: home.storePath, key: key)
            // The home's keys file, where it is not this store's already (a newer passphrase stays).
            if current?.store != keys.store {
                if let aside, FileManager.default.fileExists(atPath: home.keysPath) { try? FileManager.default.moveItem(atPath: home.keysPath, toPath: aside + ".keys") }
                try keys.write(to: home.keysPath)
            }
            KeyCache.put(key, keys.store)
        } catch let error as StoreError {
            throw CLIError(error)
        } catch {
            throw CLIError(.cannotCreate(home.directory, reason: error.localizedDescription))
        }
        print(say(.restored(file, home: home.directory, aside: aside)))
        print(say(.syncAfterRestore))
    }
}
