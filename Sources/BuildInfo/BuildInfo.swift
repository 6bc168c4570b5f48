/// What was built: the release version (the repository's `VERSION` file) and the git commit of
/// the checkout it was built from (`-dirty` when it had uncommitted changes). The values are
/// written at build time by the `BuildInfoStamp` plugin into a generated file of this module.
public enum BuildInfo {
    /// One line for `--version` and the start-up log: `0.20.0 (commit 1a2b3c4d5e6f)`.
    public static var versionLine: String { "\(version) (commit \(gitCommit))" }
}
