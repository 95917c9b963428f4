import SunsyncModel

/// What the CLI says to a person, with the facts each catalog words (`Words.say`). A new message is a new
/// case here, and the compiler asks `Chinese` and `English` for its words.
public enum Message: Sendable {
    /// Hours or lunches, as a message names them.
    public enum Day: Sendable { case hours, lunch }

    /// A refusal: "错误：…" / "Error: …".
    case error(String)

    // Entry
    case hoursRecorded(who: String, date: CivilDate, hours: String, unchanged: Bool)
    case lunchRecorded(who: String, date: CivilDate, yuan: String, unchanged: Bool)
    case dayCleared(Day, who: String, date: CivilDate)
    case nothingToClear(Day, name: String, date: CivilDate)
    case daysTotal(Day, count: Int, total: String, rejected: Int)
    case noDays(Day, month: String?)
    case afterToday(date: CivilDate, today: CivilDate)
    case noLongerActive(name: String)
    case outsideContract(date: CivilDate, name: String, start: CivilDate?, end: CivilDate?)
    case notRecorded(doubts: [String])
    case anywayNeedsReason(doubts: [String])
    case anywayNotNeeded
    case notRegisteredWhole(name: String, missing: [String])
    case lunchRateUnknown

    // What was typed
    case notADate(String, forms: String, words: Bool)
    case notAMonth(String)
    case notHours(String, forms: String)
    case zeroHours
    case tooManyHours(String)
    case notYuan(String, forms: String)
    case negativeYuan(String)

    // Finding a participant
    case noParticipant(String, org: String?, near: [String])
    case sameName(count: Int, name: String, numbers: String)
    case maskedMatchesSeveral(String, count: Int)
    case noMaskedMatch(String)
    case registeredAtSeveral(String, orgs: [String])
    case noCertificate(String, org: String?)

    // The home
    case noStore(home: String)
}
