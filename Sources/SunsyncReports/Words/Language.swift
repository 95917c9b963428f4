import SunsyncModel

/// The language a person reads: Chinese unless they ask for English (`--lang en`, or `LC_ALL`,
/// `LC_MESSAGES` or `LANG` naming English, in POSIX's order). Each language has one catalog (`Words`):
/// the CLI and the review page word flags and messages from it, so they say the same thing.
public enum Language: String, Sendable, CaseIterable {
    case zh, en

    /// `flag`: `--lang` as typed (`zh`, `en`, or a locale like `en_US.UTF-8`), which wins; else the first
    /// of `LC_ALL`, `LC_MESSAGES`, `LANG` that is set and not empty.
    public static func from(flag: String? = nil, environment: [String: String]) -> Language {
        let chosen = flag ?? ["LC_ALL", "LC_MESSAGES", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        return chosen.map { $0.lowercased().hasPrefix("en") ? .en : .zh } ?? .zh
    }

    public var words: any Words {
        switch self {
        case .zh: Chinese()
        case .en: English()
        }
    }
}

/// What a language's catalog says. One type per language (`Chinese`, `English`); add a case to the
/// protocol and the compiler asks each catalog for its words.
public protocol Words: Sendable {
    /// Why a flag was raised.
    func flag(_ reason: Flag.Reason) -> String
    /// A record's field, as people call it.
    func field(_ name: String) -> String
    /// What is wrong with a typed number.
    func problem(_ problem: ModelError.Problem) -> String
    /// What a refusal code of the server (SPEC §11: a refused change's `code`) means, where this catalog knows it.
    func refusal(_ code: String) -> String?
    /// Why a review decision was not written.
    func skip(_ skip: ReviewSkip) -> String
    /// A message of the CLI.
    func say(_ message: Message) -> String
    /// A command's summary, as `--help` lists it.
    func abstract(_ command: Command) -> String
    /// An option's or argument's help.
    func help(_ help: Help) -> String
    /// What `sunsync --help` says under its summary.
    var overview: String { get }
    /// A `sunsync` command's longer text under `--help` (empty where it has none).
    func discussion(_ command: Command) -> String

    /// A message of `sunsync-server`'s administration commands.
    func admin(_ message: AdminMessage) -> String
    /// A `sunsync-server` command's summary.
    func adminAbstract(_ command: AdminCommand) -> String
    /// A `sunsync-server` command's longer text under `--help` (empty where it has none).
    func adminDiscussion(_ command: AdminCommand) -> String
    /// A `sunsync-server` option's or argument's help.
    func adminHelp(_ help: AdminHelp) -> String
    /// A usage error as ArgumentParser words it (`Error: Missing expected argument '<date>'`, its usage
    /// and where to find help), in this language.
    func usage(_ message: String) -> String
}
