import Foundation
import PackagePlugin

/// Before every build, writes the `BuildInfo` module's version and git commit (see stamp.sh).
@main
struct BuildInfoStamp: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "Generated")
        let script = context.package.directoryURL.appending(path: "Sources/BuildInfoStamp/stamp.sh")
        return [.prebuildCommand(displayName: "Stamping the build with VERSION and the git commit",
                                 executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: [script.path, context.package.directoryURL.path, output.path],
                                 outputFilesDirectory: output)]
    }
}
