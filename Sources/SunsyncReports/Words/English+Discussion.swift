import Foundation
import SunsyncModel

/// The longer texts under `sunsync` commands' `--help`, in English.
extension English {
    public func discussion(_ command: Command) -> String {
        switch command {
        case .reportMonthly:
            """
            Counts every record, reviewed or not; `sunsync report payments` counts only what was approved.
            On a reviewer's laptop: one block per organization with its subtotal (--org for one).
            Example: sunsync report monthly --month 2024-03 --format csv > 2024-03.csv
            """
        case .reportPayments:
            """
            Only records a reviewer approved count: nothing waiting for review, rejected, in conflict or deleted
            (the report says how many of those it left out). Amounts are exact to the fen.
            Example: sunsync report payments --month 2024-03 --format csv -o 2024-03-payments.csv
            """
        case .reportSheet:
            """
            One row per participant: the hours of each day, a mark (餐) where a lunch was recorded, the month's totals,
            and a column for the participant's signature; a line for the base manager's under it. Lists what is recorded
            (not deleted), reviewed or not; payments follow the review. Open the file in a browser and print it (or
            `chromium --headless --print-to-pdf=sheet.pdf sheet.html`). Certificate numbers are masked unless --reveal.
            Example: sunsync report sheet --month 2024-03 -o 考勤表-2024-03.html
            """
        case .review:
            """
            A typical month: sync, look base by base, approve what is clean, look at the rest, sync.
            \(reviewMonth)
            """
        case .reviewList:
            "The id in the first column is what `review show`, `approve` and `reject` take."
        case .reviewApprove:
            """
            sunsync review approve h20240304-3fa9c0d1 l20240304-77e0a2b9
            sunsync review approve --org MH-SB-001 --month 2024-03 --unflagged   (skips every record with a flag or a conflict)
            A record in conflict is never approved: the base resolves it first.
            """
        case .reviewReject:
            "Example: sunsync review reject h20240305-3fa9c0d1 --reason \"合同期外的工时\"\nThe base corrects the day (or clears it); the record then needs review again."
        case .history:
            "With a date, only that day's hours and lunch. Example: sunsync history 张三 2024-03-04"
        case .initialize:
            "Example: sunsync init --org MH-SB-001 --name 闵行区莘庄镇阳光基地 --lunch-rate 15"
        case .conflicts:
            "Resolve one by writing the field again (e.g. `sunsync hours set` for that day), or keep one of the shown values with `sunsync resolve <ref> --keep <value>`."
        case .resolve:
            "Example: sunsync resolve 3fa9c0d1 --keep 3.5   (refs and values as `sunsync conflicts` shows them)"
        case .importSheet:
            """
            Reads UTF-8 (with or without BOM) and GB18030/GBK, as Excel saves. Headers may be Chinese (姓名, 残疾人证号,
            日期, 工时, 劳动项目, 备注, 金额, 合同, 合同开始, 合同结束) or English (name, cert, date, hours, project, note,
            amount, contract, start, end). Hours and lunch rows find the participant by certificate number, or by
            name. A file with any bad row imports nothing and lists every bad row by line.
            `sunsync import --template hours > hours.csv` writes an empty sheet to fill in.
            """
        case .exportSheet:
            "Certificate numbers are masked unless --reveal is given; `import` reads the CSV back."
        case .login:
            """
            On a laptop already initialized, the token must be for the same organization. On a home never
            initialized, login creates it from the token: a base's organization, or a reviewer's district.
            The token is kept in the home, readable by you only, and never printed again.
            """
        case .sync:
            "Safe to interrupt at any point: the next sync resumes where it stopped, losing and doubling nothing. Changes the server refuses are kept and listed by `sunsync rejected`."
        case .verify:
            """
            Every change a server sends comes in a batch its device signed (Ed25519, SPEC §9), and `sync` refuses any
            that fails. This checks the whole store again, against the keys the server listed at the last sync: a
            change altered in this laptop's file by hand fails, and is named with why. Changes received before
            signatures began are counted, not failed. Exit status 1 if any fails.
            """
        case .backup:
            """
            The copy is one consistent snapshot, encrypted with the store's key and readable by its owner only; FILE.keys \
            beside it holds that key wrapped by the passphrase (keep the two together). It does not hold the sync token.

            To restore it: `sunsync restore FILE`, then `sunsync sync`: what this laptop had sent after the backup \
            comes back from the server. Changes made after the backup and never synced are not in it.

            Example: sunsync backup /media/usb/sunsync-$(date +%F).sqlite
            """
        case .restore:
            """
            The backup is checked (a sound store of a laptop) and copied in; the store it replaces is moved aside \
            (store.sqlite.before-restore-<time> in the home), never deleted. Run no other sunsync command meanwhile. \
            Then run `sunsync sync`: what this laptop had sent after the backup comes back from the server. On a new \
            machine, `sunsync login` first. Use a copy on one laptop only: two laptops must never share a store. \
            The backup opens with FILE.keys beside it and the passphrase the store had when it was made.

            Example: sunsync restore /media/usb/sunsync-2026-11-01.sqlite
            """
        case .lock:
            "Lock it when you leave the laptop. The store stays encrypted on disk at all times; locking forgets its key in memory."
        case .unlock:
            "Any command asks when the store is locked; `unlock` does it up front (before a script, say)."
        case .passphrase:
            """
            Asks the current passphrase, then the new one twice (scripts: SUNSYNC_PASSPHRASE or --passphrase-file for the \
            current one, SUNSYNC_NEW_PASSPHRASE for the new). The store's key does not change, so nothing is re-encrypted; \
            backups made before keep opening with the passphrase they were made with.
            """
        case .hoursSet:
            "Hours: 3.5, 3h30m, 210m, 3小时30分 or 4; dates: 2024-03-04, 2024/3/4, 2024年3月4日, today. Writing a day again replaces it, and resolves a conflict on it.\nExample: sunsync hours set 张三 2024-03-04 3.5 --project 包装"
        case .lunchSet:
            "Without --amount the organization's lunch rate is used (set by `sunsync init --lunch-rate` or synced from the district)."
        case .participantAdd:
            "Example: sunsync participant add --name 张三 --cert 11010519491231002X52 --contract part-time --start 2024-01-01"
        default: ""
        }
    }
}

/// A reviewer's month in commands, under `sunsync review --help` in both languages.
let reviewMonth = """
      sunsync sync
      sunsync report monthly --month 2024-03
      sunsync review list --org MH-SB-001 --month 2024-03 --flagged
      sunsync review approve --org MH-SB-001 --month 2024-03 --unflagged
      sunsync review reject h20240305-3fa9c0d1 --reason "超出合同期"
      sunsync sync && sunsync report payments --month 2024-03
    """

extension English {
    /// ArgumentParser's own words.
    public func usage(_ message: String) -> String { message }
}
