import SunsyncModel

/// `sunsync-server`'s administration commands, in English.
extension English {
    public func admin(_ message: AdminMessage) -> String {
        switch message {
        case .cannotActAsOwner(let directory, let uid, let reason): "cannot act as \(directory)'s owner (uid \(uid)): \(reason); run this as that user"
        case .cannotOpen(let path, let reason): "cannot open \(path): \(reason)"
        case .anotherServer(let directory, let lock): "another sunsync-server is serving \(directory) (it holds \(lock)); stop it first, or give another --data-dir"
        case .serverRunning(let directory, let lock): "a sunsync-server is serving \(directory) (it holds \(lock)); stop it first, then restore"
        case .upgrading(let path): "Upgrading \(path) to this version of sunsync-server (once)…"
        case .sqliteOnly(let command):
            "\(command) works on the SQLite file; on PostgreSQL use its own tools (pg_dump, pg_restore, point-in-time recovery), "
                + "then `sunsync-server migrate --new-epoch` (README, \"Backup and restore on PostgreSQL\")"
        case .fileExists(let file): "\(file) already exists; give a new file (it is never overwritten)"
        case .cannotWrite(let file): "cannot write \(file): check that its folder exists and is writable"
        case .cannotRead(let file): "cannot read \(file)"

        case .notAPort(let port): "--port \(port) is not a port: give 1 to 65535 (or 0 for any free port)"
        case .notSeconds(let option, let minimum): "\(option) is a number of seconds, \(minimum) or more"
        case .notConnections(let option, let minimum):
            minimum == 0 ? "\(option) is a number of connections, 0 (no limit) or more" : "\(option) is a number of connections, \(minimum) or more"
        case .tlsBothOrNeither: "give both --tls-cert and --tls-key, or neither"
        case .plainBeyondMachine(let host):
            "--host \(host) serves beyond this machine, where tokens and certificate numbers must not cross the network in clear:"
                + " give --tls-cert and --tls-key, or --behind-https-proxy ADDRESS when an HTTPS reverse proxy forwards to it,"
                + " or --insecure-http to serve plain HTTP anyway"
        case .cannotUseTLS(let reason): "cannot use the TLS certificate or key: \(reason)"
        case .portInUse(let port, let host): "port \(port) on \(host) is already in use (another sunsync-server?): stop that program, or give another --port"
        case .portNeedsRoot(let port, let host): "not allowed to listen on port \(port) on \(host): ports below 1024 need root; give --port 8080 or another above 1024"
        case .notAnAddress(let host): "\(host) is not an address of this machine: give --host 127.0.0.1, 0.0.0.0 (every address) or one of its own"
        case .serverStopped(let reason): "the server stopped: \(reason)"

        case .noDatabase(let path): "no database at \(path); nothing to back up (check --data-dir)"
        case .backedUp(let ops, let file, let kib): "Backed up \(ops) changes to \(file) (\(kib) KiB)."
        case .restored(let from, let to, let aside): "Restored \(from) as \(to).\(aside.map { " The database it replaced is in \($0)." } ?? "")"
        case .backupKnowsDevices(let count, let active):
            "The backup knows \(count) devices, \(active) of them not revoked: revoke again any revoked since the backup (`sunsync-server device list`), "
                + "and add any added since; set again any settings changed since (`sunsync-server settings show`)."
        case .startAgain: "Start the server again; laptops send what they had sent since the backup at their next sync."
        case .newEpochIsForPostgres: "--new-epoch is for PostgreSQL; `sunsync-server restore` gives a restored SQLite file its new epoch"
        case .newEpoch(let location, let epoch): "\(location) has the new epoch \(epoch): laptops resend their changes and pull from the start at their next sync."
        case .upToDate(let location): "\(location) is up to date"
        case .checkingSignatures(let done, let total): "checking signatures: \(done) of \(total) batches"
        case .allVerify(let ops, let batches): "All \(ops) changes in \(batches) signed batches verify: each is as the device that made it signed it."
        case .failVerification(let count, let of): "\(count) of \(of) changes fail verification:"
        case .andMore(let count): "… and \(count) more (--json lists them all)"
        case .tampered(let count):
            "\(count) changes fail verification: the database was changed outside sunsync-server; restore it from a backup taken before "
                + "(sunsync-server restore), and find out who had access to it"

        case .notAnOrgCode(let code): "'\(code)' is not an org code: use A-Z, 0-9 and '-', e.g. MH-SB-001"
        case .notADistrict(let code, let known): "'\(code)' is not a Shanghai district code; give one of " + known.map { "\($0.code) \($0.name)" }.joined(separator: ", ")
        case .emptyName: "--name cannot be empty"
        case .notADate(let option, let text, let forms): "\(option) '\(text)' is not a real date: write \(forms)"
        case .sameName(let code, let name): "\(code) is already named \(name): give this organization its own name (its town, say)"
        case .orgExists(let code): "\(code) is already registered"
        case .orgRegistered(let code, let name, let kind, let district): "Registered \(code) \(name) (\(kind), district \(district))"
        case .nothingToChangeOrg: "nothing to change: give --name or --lunch-rate YUAN --from DATE"
        case .lunchRateNeedsFrom: "--lunch-rate needs --from YYYY-MM-DD, a real date: the day the rate applies from"
        case .noOrganization(let code): "no organization \(code); `sunsync-server org list` shows them"
        case .orgChanged(let code): "Changed \(code). Laptops receive it at their next sync."
        case .orgOpened(let code, let name): "Opened \(code) (\(name)) to entries again. Its laptops learn it at their next sync."
        case .orgRetired(let code, let name):
            "Retired \(code) (\(name)): kept in history, off the review page, closed to new entries. Its laptops learn it at their next sync."
        case .notYuan(let text): "--lunch-rate '\(text)' is not an amount in yuan: write it like 15 or 12.50"
        case .notALunchRate(let text): "--lunch-rate \(text) yuan a day is not a lunch subsidy: give 0 to 100 yuan"
        case .unusualLunchRate(let yuan): "--lunch-rate \(yuan) yuan a day is outside the usual 5 to 50 yuan: if it is right, give --confirm as well"
        case .noOrgs: "No organizations yet: add one with `sunsync-server org add`."
        case .orgHeader: "code\tname\tkind\tdistrict\ttown\tlunch rate\tstate"
        case .yuan(let amount): amount + " yuan"
        case .kind(let kind): kind
        case .active(let active): active ? "active" : "retired"

        case .staffNeedsOrg: "a staff device needs --org CODE"
        case .staffHasNoDistrict: "a staff device belongs to an org, not a district"
        case .reviewerNeedsDistrict: "a reviewer needs --district with a 6-digit district code, e.g. 310112"
        case .reviewerHasNoOrg: "a reviewer belongs to a district, not an org"
        case .adminHasNeither: "an admin device has neither --org nor --district"
        case .noOrgForDevice(let org): "no organization \(org) is registered; add it first with `sunsync-server org add`"
        case .deviceAdded(let role, let name, let id, let token): "Added \(role) device \(name) (\(id)). Its token, shown only now:\n\n  \(token)\n"
        case .onTheLaptop: "On the laptop: sunsync login --server <this server's URL> --token <token>"
        case .inABrowser: "In a browser: <this server's URL>/review, signing in with the same token"
        case .noDevices: "No devices yet: add one with `sunsync-server device add`."
        case .deviceHeader: "id\tname\trole\torg or district\tstate\treveals\treplicas"
        case .neverPushed: "never pushed"
        case .replicas(let list): "replica " + list
        case .oneTokenSeveralLaptops(let count): "⚠ used from \(count) replicas: one token on several laptops? revoke it and give each laptop its own"
        case .revokedAt(let time): "revoked " + time
        case .mayReveal(let may): may ? "may reveal" : "masked"
        case .noDevice(let device): "no device '\(device)'; `sunsync-server device list` shows them"
        case .revealAllowed(let name, let allowed):
            allowed ? "\(name) may now reveal full 残疾人证号, each time with a purpose, recorded; it learns this at its next sync"
                : "\(name) may no longer reveal; it learns this at its next sync"
        case .revoked(let name, let id): "Revoked \(name) (\(id))"

        case .hasRecoveryKey(let publicKey):
            "the district has a recovery key already (public half \(publicKey)…); laptops are sealed to it. "
                + "--replace makes a new one (keep the old private key file for laptops that have not synced since)"
        case .madeRecoveryKey(let publicKey, let file):
            """
            Made the district's recovery key (public half \(publicKey)…). Its private half is in \(file):
            keep that file offline (a USB stick in a safe), never on the server. Laptops seal their store's key to it
            at their next sync; `sunsync-server recovery open` then opens a laptop whose passphrase was forgotten.
            """
        case .notARecoveryKey(let file): "\(file) is not a recovery key file written by `sunsync-server recovery init`"
        case .openedKeys(let file, let passphrase):
            """
            Opened. Copy \(file) over the laptop's store.keys; the laptop then opens with this one-time passphrase:

              \(passphrase)

            and `sunsync passphrase` there chooses a new one.
            """
        case .needHost: "give --host with the name or address laptops use (e.g. --host 192.168.10.5); repeat it for several"
        case .notAHost(let host): "'\(host)' is neither a host name (letters, digits, '-', '.') nor an IP address"
        case .nothingOverwritten(let file): "\(file) already exists; nothing is overwritten: give another --out, or move the old files away"
        case .madeTLS(let hosts, let folder, let cert, let key, let ca, let url, let caKey):
            """
            Made a certificate authority and a certificate for \(hosts) in \(folder):
              serve:   sunsync-server serve --host 0.0.0.0 --port 8443 --tls-cert \(cert) --tls-key \(key)
              laptops: copy \(ca) to each, then: sunsync login --server \(url) --token <token> --ca ca.pem
            Keep \(caKey) offline (it signs certificates); the server needs only server.pem and server.key.
            """

        case .noReveals(let org, let district):
            "No reveals recorded\(org.map { " for \($0)" } ?? "")\(district.map { " in district \($0)" } ?? ""). "
                + "Laptops send theirs at their next sync; `sunsync-server device list` shows which devices may reveal."
        case .revealHeader: "time (Beijing)\tdevice\torg\tpeople\tpurpose\tcommand"
        case .morePeople(let count): " and \(count - 5) more"
        case .settingsShown(let rules):
            (["非全日制每周工时上限 part-time weekly limit:"]
                + rules.weeklyLimitMinutes.sorted { $0.from < $1.from }.map { "  from \($0.from): \(Quantity.hours($0.value)) h" }
                + ["年龄 working ages: from \(rules.retirement.minimumAge); retirement rising from \(rules.retirement.riseFrom):",
                   "  men \(rules.retirement.male.baseYears) → \(rules.retirement.male.targetYears), one month every \(rules.retirement.male.monthsPerStep) months of birth dates",
                   "  women \(rules.retirement.female.baseYears) → \(rules.retirement.female.targetYears), one month every \(rules.retirement.female.monthsPerStep) months of birth dates",
                   "午餐费补贴 lunch rates:" + (rules.lunchRates.isEmpty ? " none set (`sunsync-server org edit CODE --lunch-rate YUAN --from DATE`)" : "")]
                + rules.lunchRates.sorted { $0.key < $1.key }.map { org, rates in
                    "  \(org): " + rates.sorted { $0.from < $1.from }.map { "\(Quantity.yuan($0.value)) yuan from \($0.from)" }.joined(separator: ", ")
                }).joined(separator: "\n")
        case .nothingToSet: "nothing to set: give --weekly-limit HOURS --from DATE, --minimum-age YEARS or --female-retirement-base 50|55"
        case .weeklyLimitNeedsFrom: "--weekly-limit needs --from YYYY-MM-DD, a real date: the day it applies from"
        case .femaleBase: "--female-retirement-base is 50 or 55"
        case .notAWorkingAge(let age): "--minimum-age \(age) is not a working age (14 to 30)"
        case .notWeeklyHours(let text): "--weekly-limit '\(text)' is not a number of hours in a week, e.g. 24"
        case .saved: "Saved. Laptops receive the new settings at their next sync."
        }
    }

    public func adminAbstract(_ command: AdminCommand) -> String {
        switch command {
        case .root: "The Sunsync sync server, on an embedded SQLite database by default."
        case .serve: "Serve sync over HTTP until SIGTERM or SIGINT (requests in flight are finished first)."
        case .backup: "Copy the database to a new file while the server runs."
        case .restore: "Put a backup in place of the database (the server must be stopped)."
        case .migrate: "Create the database, or bring it to this version's schema (serve does it too, at start)."
        case .verify: "Check every change the database holds against the signature of the device that made it."
        case .org: "Register organizations (阳光基地, 扶残涉农经济组织)."
        case .orgAdd: "Register an organization; it reaches the laptops that may see it at their next sync."
        case .orgEdit: "Change an organization's name, or its lunch rate from a date on (the rate's history is kept)."
        case .orgDeactivate: "Retire an organization: kept in history and reports, off the review page, closed to new entries."
        case .orgActivate: "Open a retired organization to entries again."
        case .orgList: "List organizations."
        case .device: "Give laptops their tokens, list them, allow one to reveal, revoke a lost one."
        case .deviceAdd: "Add a device and print its token once (only a hash is kept)."
        case .deviceList: "List devices (tokens are never shown again)."
        case .deviceEdit: "Allow a device to show full 残疾人证号, or stop it."
        case .deviceRevoke: "Revoke a device: its next request is refused. Its records stay."
        case .reveals: "List who revealed full certificate numbers, of whom, when and why (newest first)."
        case .recovery: "The district's recovery key: opens a laptop's store whose passphrase was forgotten."
        case .recoveryInit: "Make the district's recovery key; its private half goes to --out (keep it offline)."
        case .recoveryOpen: "Open a laptop's keys file with the recovery key: a new keys file under a one-time passphrase."
        case .tls: "HTTPS for a district's own server: its certificate authority and certificate."
        case .tlsInit: "Make a district CA and a server certificate for the names and addresses laptops use."
        case .settings: "The rules' dated numbers: part-time weekly limit, retirement ages, lunch rates (see `org edit`)."
        case .settingsShow: "Print the settings in force, with their dates."
        case .settingsSet: "Change a setting from a date on (earlier dates keep their values)."
        }
    }

    public func adminDiscussion(_ command: AdminCommand) -> String {
        switch command {
        case .root:
            """
            Start it with `sunsync-server serve`. Register organizations with `sunsync-server org add` and give each laptop
            its own token with `sunsync-server device add`; these work against the same --data-dir while the server runs.
            Messages are Chinese unless --lang en or LANG=en_… asks for English.
            """
        case .serve:
            """
            Also serves the district review page at /review: reviewers sign in in a browser with their reviewer device's token.
            Serve HTTPS (--tls-cert, --tls-key) whenever it leaves the machine: certificate numbers are sensitive personal information.
            """
        case .backup:
            """
            The copy is one consistent snapshot, readable by its owner only.

            To restore it: stop the server, then `sunsync-server restore --from FILE`, and start it again. At their \
            next sync laptops see that the database changed, send their own changes again (so what reached the \
            server after the backup comes back) and pull from the start. Devices added or revoked and settings \
            changed after the backup must be added, revoked or set again.

            Example: sunsync-server backup --to /backup/sunsync-$(date +%F).sqlite
            """
        case .restore:
            """
            The backup is checked (a sound Sunsync server database) and copied in; the database it replaces is moved \
            aside, never deleted. At their next sync laptops see that the database changed, send their own changes \
            again (so what reached the server after the backup comes back) and pull from the start. Devices added \
            or revoked and settings changed after the backup (`sunsync-server settings show`, lunch rates) must be \
            added, revoked or set again.

            Example: sunsync-server restore --from /backup/sunsync-2026-11-01.sqlite
            """
        case .migrate:
            """
            Migrations are append-only; on PostgreSQL several servers may start at once (one migrates, the others wait).
            After restoring a PostgreSQL database from pg_dump or point-in-time recovery, run it once with --new-epoch
            before any server starts: laptops then send their changes again and pull from the start, so nothing that
            reached the server after the backup is lost. (`sunsync-server restore` does this for the SQLite file.)
            """
        case .verify:
            """
            Every change is held under a batch its device signed (Ed25519, SPEC §9); the server signs its own and
            what it held before signatures began. A change altered, added or removed by hand in the database fails,
            and is named here with why. Exit status 1 if any fails. Safe while the server runs.
            """
        case .orgAdd:
            "Example: sunsync-server org add --code MH-SB-001 --name 莘庄镇阳光基地 --kind sunshine-base --district 310112 --town 310112101 --lunch-rate 15"
        case .orgEdit:
            """
            sunsync-server org edit MH-SB-001 --lunch-rate 18 --from 2025-07-01
            Lunches dated before 2025-07-01 are still checked against the earlier rate.
            """
        case .orgDeactivate:
            """
            sunsync-server org deactivate MH-SB-009
            Its laptops learn it at their next sync and refuse new entries; the server refuses entries made before
            (they stay on the laptop, listed by `sunsync rejected`). Reviewers can still decide on its records.
            `sunsync-server org activate MH-SB-009` opens it again.
            """
        case .deviceAdd:
            """
            sunsync-server device add --name 莘庄-笔记本1 --role staff --org MH-SB-001
            sunsync-server device add --name 闵行残联-审核1 --role reviewer --district 310112
            sunsync-server device add --name 管理员 --role admin
            A reviewer's token works on a reviewer's laptop (sunsync login) and on the review page (/review).
            """
        case .deviceEdit:
            """
            sunsync-server device edit 莘庄-笔记本1 --may-reveal
            sunsync-server device edit 莘庄-笔记本1 --no-reveal
            The laptop learns it at its next sync (or login). Each reveal states its purpose and is recorded
            (`sunsync-server reveals`); reveals made offline while it was allowed arrive with its next sync.
            """
        case .reveals:
            """
            A device reveals only if `sunsync-server device edit NAME --may-reveal` allowed it; each reveal states its
            purpose and is recorded on the laptop, then synced (a reveal made offline arrives with the next sync).
            Times are Beijing time as the revealing laptop's clock had it.
            Example: sunsync-server reveals --district 310112
            """
        case .recovery:
            """
            sunsync-server recovery init --out /media/usb/recovery.key      # once; keep the file offline
            sunsync-server recovery open --key /media/usb/recovery.key --keys store.keys --out store.keys.new
            """
        case .recoveryInit:
            """
            Laptops seal their store's key to its public half at their next sync (or login). With --replace, a new key:
            laptops seal to it at their next sync; keep the old file for laptops that have not synced since.
            """
        case .recoveryOpen:
            """
            Copy store.keys from the laptop's home (~/.local/share/sunsync, or its --home), run this where the recovery
            key file is, and copy --out back over the laptop's store.keys. The laptop then opens with the one-time
            passphrase printed here; `sunsync passphrase` chooses a new one. The store itself never leaves the laptop.
            """
        case .tlsInit:
            """
            sunsync-server tls init --host sunsync.minhang.example --host 192.168.10.5
            Writes ca.pem (give it to laptops: sunsync login … --ca ca.pem), ca.key (keep it offline: it signs
            certificates), server.pem and server.key (serve --tls-cert server.pem --tls-key server.key) to --out,
            by default the data directory's tls/ folder. Keys are the owner's alone; nothing is overwritten.
            The server certificate is valid 825 days, the CA 10 years.
            """
        case .settings:
            """
            Every number has the date it takes effect; laptops receive the settings at their next sync and flag with them.
              sunsync-server settings show
              sunsync-server settings set --weekly-limit 24 --from 2024-01-01
              sunsync-server settings set --female-retirement-base 55      (women cadres: 55 rising to 58)
            """
        case .org, .orgActivate, .orgList, .device, .deviceList, .deviceRevoke, .tls, .settingsShow, .settingsSet: ""
        }
    }

    public func adminHelp(_ help: AdminHelp) -> String {
        switch help {
        case .dataDir: "Where the server keeps its SQLite database (default: $SUNSYNC_DATA_DIR, else the one /etc/default/sunsync-server names, else ./sunsync-data)."
        case .database: "Use PostgreSQL instead of the SQLite file: postgres://user[:password]@host[:port]/db (default: $SUNSYNC_DATABASE). Several servers may share one."
        case .json: "Print JSON instead of text."
        case .lang: "The language of messages: zh (the default) or en (LANG=en_… chooses it too)."
        case .host: "The address to listen on."
        case .port: "The port to listen on (0: any free port, printed at start)."
        case .maxClockSkew: "Refuse ops stamped more than this many seconds ahead of the server's clock."
        case .tlsCert: "Serve HTTPS with this certificate chain (PEM)."
        case .tlsKey: "The certificate's private key (PEM)."
        case .insecureHTTP: "Serve plain HTTP beyond this machine anyway (tokens and certificate numbers cross the network in clear)."
        case .behindProxy: "An HTTPS reverse proxy at this address forwards to this server: trust its X-Forwarded-For and X-Forwarded-Proto, mark cookies Secure."
        case .idleTimeout: "Close a connection that sends nothing (or half a request) for this many seconds."
        case .bodyTimeout: "Refuse a request whose body is not received whole within this many seconds (408)."
        case .maxConnections: "Open connections at most; more wait to be accepted (kept below the open-files limit)."
        case .maxPerAddress: "Open connections from one address at most; more are closed at once (0: no limit; give 0 behind a reverse proxy)."
        case .backupTo: "The new file to write (never overwritten)."
        case .restoreFrom: "The backup to restore."
        case .newEpoch: "Give the database a new epoch (after a restore, PostgreSQL)."
        case .orgCode: "The org code (A-Z, 0-9, '-')."
        case .orgName: "The name."
        case .orgKind: "sunshine-base or rural-org."
        case .district: "The 6-digit district code, e.g. 310112 (闵行)."
        case .town: "The 9-digit town or street code."
        case .lunchRate: "The daily lunch subsidy in yuan."
        case .lunchRateFrom, .rateFrom: "The date the lunch rate applies from."
        case .confirmRate: "Take a lunch rate outside the usual 5 to 50 yuan a day (0 to 100 are possible)."
        case .newName: "A new name."
        case .deviceName: "A name to know the device by (unique)."
        case .role: "staff (one org), reviewer (one district) or admin."
        case .deviceOrg: "The org a staff device records for."
        case .deviceDistrict: "The district a reviewer reviews."
        case .mayReveal: "Allow it to show full 残疾人证号 (sunsync --reveal --purpose …); every reveal is recorded. Off by default."
        case .deviceRef: "The device's id or name."
        case .revealPermission: "Allow revealing, or stop it."
        case .recoveryOut: "The new file for the private half (never overwritten)."
        case .replace: "Replace the recovery key the server hands out now."
        case .recoveryKey: "The recovery key file `recovery init` wrote."
        case .laptopKeys: "The laptop's store.keys."
        case .keysOut: "The new keys file to write (never overwritten)."
        case .tlsHost: "A name or IP address laptops reach the server by (repeat for several)."
        case .tlsOut: "Where to write the files (default: <data dir>/tls)."
        case .caName: "The CA's name, e.g. 闵行区残联 (default: Sunsync district CA)."
        case .onlyDistrict: "Only this district's organizations."
        case .onlyOrg: "Only this organization."
        case .weeklyLimit: "Part-time hours a week at one employer (劳动合同法 第六十八条: 24)."
        case .weeklyFrom: "The date the weekly limit applies from (a week counts from its Monday)."
        case .minimumAge: "Work below this age is flagged."
        case .femaleBase: "Women's statutory age before the rise: 50 (workers, rising to 55) or 55 (cadres, rising to 58)."
        }
    }
}
