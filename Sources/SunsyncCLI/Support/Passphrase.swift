import CKeyring
import Foundation
import SunsyncModel
import SunsyncStore

/// A store's key kept for a working session in the user's kernel keyring (keyrings(7)), so that the
/// passphrase is typed at most once a day: gone after `seconds`, at `sunsync lock`, or at reboot. Where
/// the keyring is not available (a container without it), every command asks again.
enum KeyCache {
    static let seconds: UInt32 = 10 * 3600

    static func name(_ store: String) -> String { "sunsync:store:\(store)" }

    static func get(_ store: String) -> StoreKey? {
        var buffer = [UInt8](repeating: 0, count: 64)
        let length = sunsync_keyring_read(name(store), &buffer, buffer.count)
        defer { buffer.withUnsafeMutableBytes { for i in $0.indices { $0[i] = 0 } } }
        guard length == 32 else { return nil }
        return StoreKey(bytes: Array(buffer[0..<32]))
    }

    static func put(_ key: StoreKey, _ store: String) {
        _ = key.bytes.withUnsafeBytes { sunsync_keyring_add(name(store), $0.baseAddress, 32, seconds) }
    }

    /// Whether a key was held.
    @discardableResult
    static func drop(_ store: String) -> Bool { sunsync_keyring_remove(name(store)) == 0 }
}

/// Where a passphrase comes from: `--passphrase-file`, else `SUNSYNC_PASSPHRASE` (scripts, tests), else
/// the person at the terminal (typed without echo).
enum Passphrase {
    static let minimumLength = 8

    static func given(_ options: GlobalOptions) throws -> String? {
        if let file = options.passphraseFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw CLIError(.cannotReadPassphraseFile(file)) }
            // The first line, without its end (a file written on Windows ends lines with CR LF).
            return String(text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).first ?? "")
        }
        return ProcessInfo.processInfo.environment["SUNSYNC_PASSPHRASE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The passphrase of an existing store.
    static func existing(_ options: GlobalOptions, for home: String) throws -> String {
        if let given = try given(options) { return given }
        guard let typed = ask("口令 Passphrase for \(home): ") else {
            throw CLIError(.lockedNoTerminal)
        }
        return typed
    }

    /// A new passphrase: given (`SUNSYNC_PASSPHRASE`, `--passphrase-file`), or typed twice.
    static func new(_ options: GlobalOptions, why: String) throws -> String {
        try new(given: given(options), why: why)
    }

    /// A new passphrase: `given`, or typed twice.
    static func new(given: String?, why: String) throws -> String {
        let passphrase: String
        if let given {
            passphrase = given
        } else {
            FileHandle.standardError.write(Data("\(why)\n".utf8))
            guard let first = ask("新口令 New passphrase (at least \(minimumLength) characters): ") else {
                throw CLIError(.noTerminalForPassphrase(why))
            }
            guard ask("再输一次 Again: ") == first else { throw CLIError(.passphrasesDiffer) }
            passphrase = first
        }
        guard passphrase.count >= minimumLength else {
            throw CLIError(.passphraseTooShort(minimum: minimumLength))
        }
        return passphrase
    }

    /// Asks on the terminal, without echo; nil where standard input is not a terminal (a script, a pipe).
    static func ask(_ prompt: String) -> String? {
        guard isatty(STDIN_FILENO) == 1 else { return nil }
        let fd = Foundation.open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var saved = termios()
        let isTerminal = tcgetattr(fd, &saved) == 0
        if isTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(fd, TCSAFLUSH, &quiet)
        }
        defer { if isTerminal { tcsetattr(fd, TCSAFLUSH, &saved); _ = Foundation.write(fd, "\n", 1) } }
        _ = prompt.withCString { Foundation.write(fd, $0, strlen($0)) }
        var bytes = [UInt8]()
        var byte: UInt8 = 0
        while Foundation.read(fd, &byte, 1) == 1, byte != 10 { bytes.append(byte) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
