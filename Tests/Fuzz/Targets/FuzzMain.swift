import CFuzzDriver
import Foundation

/// `settlement-fuzz`: the project's fuzz targets.
///
///     settlement-fuzz list                        the targets
///     settlement-fuzz seed DIR                    write each target's seed inputs to DIR/TARGET/
///     settlement-fuzz replay TARGET PATH...       run each file (or each file of each directory)
///                                                 once: the committed corpus as a regression test
///     FUZZ_TARGET=NAME settlement-fuzz run [libFuzzer flags] CORPUS...
///                                                 fuzz (a build by Deploy/fuzz.sh, with libFuzzer)
@main
enum FuzzMain {
    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else { usage() }
        switch arguments[1] {
        case "list":
            // Names padded to the longest, never cut: scripts read the first column.
            let width = FuzzTarget.all.map(\.name.count).max() ?? 0
            for t in FuzzTarget.all { print(t.name.padding(toLength: width, withPad: " ", startingAt: 0), t.summary) }
        case "replay":
            guard arguments.count >= 4, let target = FuzzTarget.named(arguments[2]) else { usage() }
            var count = 0
            for path in arguments[3...] {
                for file in files(at: path) {
                    guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }
                    target.run(Array(data))
                    count += 1
                }
            }
            print("\(target.name): \(count) inputs replayed, no finding")
        case "seed":
            guard arguments.count == 3 else { usage() }
            for t in FuzzTarget.all {
                let dir = arguments[2] + "/" + t.name
                try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                for (i, input) in Seeds.inputs(for: t.name).enumerated() {
                    _ = FileManager.default.createFile(atPath: "\(dir)/seed-\(i)", contents: Data(input))
                }
            }
        case "run":
            var libFuzzerArguments = arguments
            libFuzzerArguments.remove(at: 1)
            runLibFuzzer(libFuzzerArguments)
        default:
            // libFuzzer re-runs its own command line in child processes (-merge, -jobs), without "run".
            guard ProcessInfo.processInfo.environment["FUZZ_TARGET"] != nil else { usage() }
            runLibFuzzer(arguments)
        }
    }

    /// Hands the process to libFuzzer: it sees argv[0], its own flags and corpus directories.
    private static func runLibFuzzer(_ arguments: [String]) -> Never {
        var argc = Int32(arguments.count)
        var pointers: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let status = pointers.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
            return fuzz_run_driver(&argc, &argv)
        }
        if status == -1 { fail("this build has no libFuzzer: build and run it with Deploy/fuzz.sh") }
        exit(status)
    }

    private static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { fail("no such file \(path)") }
        guard isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { path + "/" + $0 }
    }

    private static func usage() -> Never {
        fail("usage: settlement-fuzz list | seed DIR | replay TARGET PATH... | run [libFuzzer flags] CORPUS... (with FUZZ_TARGET; see Deploy/fuzz.sh)")
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(2)
    }
}

/// The target libFuzzer calls back into, chosen once by `fuzz_select_target`.
nonisolated(unsafe) private var selectedTarget: FuzzTarget?

/// Called by LLVMFuzzerInitialize: registers the target named by FUZZ_TARGET.
@_cdecl("fuzz_select_target")
func fuzzSelectTarget() {
    let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget.named(name) else {
        FuzzMain.fail("FUZZ_TARGET=\"\(name)\" names no target; targets: \(FuzzTarget.all.map(\.name).joined(separator: ", "))")
    }
    selectedTarget = target
    fuzz_register { data, size in
        selectedTarget!.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
}
