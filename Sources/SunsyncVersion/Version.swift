/// What `sunsync --version` and `sunsync-server --version` print.
public enum SunsyncVersion {
    /// The release. Bump it with a change people notice.
    public static let number = "0.7.0"
    /// The git commit the binary was built from (`+` if the work tree had uncommitted changes).
    public static let commit = buildCommit
    public static var description: String { "\(number) (\(commit))" }
}
