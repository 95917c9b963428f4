import ArgumentParser
import Foundation
import SunsyncStore

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the local store to a new file (a USB stick, before a repair), records and unsynced changes alike.",
        discussion: """
            The copy is one consistent snapshot, readable by its owner only; it does not hold the sync token.

            To restore: remove <home>/store.sqlite-wal and -shm if there are any, put the copy in place of <home>/store.sqlite, \\
            and run `sunsync sync`: what this laptop had sent after the backup comes back from the server. Changes made after \\
            the backup and never synced are not in it.

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
        let doc: Document
        do {
            let bytes = try store.backup(to: file)
            // Counted in the copy: it opens, and holds what it should.
            let counts = try Store.open(at: file).counts()
            doc = Document(file: file, bytes: bytes, ops: counts.ops, pendingOps: counts.pending)
        } catch {
            throw CLIError(error)
        }
        if global.json { return try Output.json(doc) }
        print("Backed up \(doc.ops) changes (\(doc.pendingOps) not yet synced) to \(file) (\(doc.bytes / 1024) KiB).")
    }
}
