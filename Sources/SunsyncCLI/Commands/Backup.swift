import ArgumentParser
import Foundation
import SunsyncStore

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the local store to a new file (a USB stick, before a repair), records and unsynced changes alike.",
        discussion: """
            The copy is one consistent snapshot, readable by its owner only; it does not hold the sync token.

            To restore it: `sunsync restore FILE`, then `sunsync sync`: what this laptop had sent after the backup \
            comes back from the server. Changes made after the backup and never synced are not in it.

            Example: sunsync backup /media/usb/sunsync-$(date +%F).sqlite
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The new file to write (never overwritten).", valueName: "file")) var file: String

    struct Document: Encodable {
        let file: String
        let bytes: Int64
        let ops: Int
        let pendingOps: Int
    }

    func run() throws {
        let store = try Home(global).open()
        let copy: (bytes: Int64, ops: Int, pending: Int)
        do { copy = try store.backup(to: file) } catch { throw CLIError(error) }
        let doc = Document(file: file, bytes: copy.bytes, ops: copy.ops, pendingOps: copy.pending)
        if global.json { return try Output.json(doc) }
        print("Backed up \(doc.ops) changes (\(doc.pendingOps) not yet synced) to \(file) (\(doc.bytes / 1024) KiB).")
    }
}

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Put a backup made by `sunsync backup` in place of the local store.",
        discussion: """
            The backup is checked (a sound store of a laptop) and copied in; the store it replaces is moved aside \
            (store.sqlite.before-restore-<time> in the home), never deleted. Run no other sunsync command meanwhile. \
            Then run `sunsync sync`: what this laptop had sent after the backup comes back from the server. On a new \
            machine, `sunsync login` first. Use a copy on one laptop only: two laptops must never share a store.

            Example: sunsync restore /media/usb/sunsync-2026-11-01.sqlite
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The backup to restore.", valueName: "file")) var file: String

    func run() throws {
        let home = Home(global)
        let aside: String?
        do {
            try FileManager.default.createDirectory(atPath: home.directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            aside = try Store.restore(from: file, to: home.storePath)
        } catch let error as StoreError {
            throw CLIError(error)
        } catch {
            throw CLIError("cannot create \(home.directory): \(error.localizedDescription)")
        }
        print("Restored \(file) into \(home.directory).\(aside.map { " The store it replaced is in \($0)." } ?? "")")
        print("Run `sunsync sync` to get back what this laptop sent after the backup.")
    }
}
