import Foundation
import PackagePlugin

/// Writes `BuildCommit.swift` with the git commit the package is built from ("unknown" outside a git
/// checkout), so that `--version` can say exactly which code a binary is.
@main struct GitCommit: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let out = context.pluginWorkDirectoryURL
        let file = out.appending(path: "BuildCommit.swift").path
        let script = """
            commit=$(git -C '\(context.package.directoryURL.path)' rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
            if git -C '\(context.package.directoryURL.path)' diff --quiet HEAD -- 2>/dev/null; then :; else [ "$commit" = unknown ] || commit="$commit+"; fi
            text="/// Written at build time by the GitCommit plugin.
            let buildCommit = \\"$commit\\""
            [ -f '\(file)' ] && [ "$(cat '\(file)')" = "$text" ] || printf '%s' "$text" > '\(file)'
            """
        return [.prebuildCommand(displayName: "Reading the git commit", executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", script], outputFilesDirectory: out)]
    }
}
