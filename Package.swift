// swift-tools-version: 6.0
// The L2 settlement engine. Layers (see ARCHITECTURE.md): CNet (C, HTTP/2 transport) <- RPC (gRPC)
// <- executables; Settlement (domain) <- Persistence (PostgreSQL). System libraries come in through
// the small shims under Sources/CSystem.
import PackageDescription

let package = Package(
    name: "settlement-engine",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "settlement-engine", targets: ["settlement-engine"]),
        .library(name: "RPC", targets: ["RPC"]),
        .executable(name: "settlement", targets: ["settlement"]),
        .executable(name: "settlement-bench", targets: ["settlement-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
    ],
    targets: [
        // System libraries (Debian package names in `providers`).
        .systemLibrary(name: "CNGHTTP2", path: "Sources/CSystem/CNGHTTP2", pkgConfig: "libnghttp2",
                       providers: [.apt(["libnghttp2-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Sources/CSystem/COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CProtobufC", path: "Sources/CSystem/CProtobufC", pkgConfig: "libprotobuf-c",
                       providers: [.apt(["libprotobuf-c-dev"])]),
        .systemLibrary(name: "CLibPQ", path: "Sources/CSystem/CLibPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CSecp256k1", path: "Sources/CSystem/CSecp256k1", pkgConfig: "libsecp256k1",
                       providers: [.apt(["libsecp256k1-dev"])]),
        // Header-only: cache prefetch hints for the state tree (no library).
        .systemLibrary(name: "CMemoryHints", path: "Sources/CSystem/CMemoryHints"),
        // Header-only: ThreadSanitizer happens-before annotations for `Lock` (empty unless enabled).
        .systemLibrary(name: "CThreadSanitizer", path: "Sources/CSystem/CThreadSanitizer"),

        // The HTTP/2 transport core in C: epoll loops, sockets, TLS, nghttp2 sessions.
        .target(name: "CNet", dependencies: ["CNGHTTP2", "COpenSSL"],
                cSettings: [.unsafeFlags(["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"])]),
        // protobuf-c codecs generated from Protos/ by Protos/generate.sh (committed).
        .target(name: "CProtos", dependencies: ["CProtobufC"],
                cSettings: [.unsafeFlags(["-O2", "-w"])]),

        // gRPC over CNet: server, client, health, reflection.
        .target(name: "RPC", dependencies: [
            "CNet", "CProtos", "CProtobufC", "Settlement",
            .product(name: "Logging", package: "swift-log"),
        ]),

        // The version and git commit of the build, stamped before every build by the plugin below.
        .target(name: "BuildInfo", plugins: ["BuildInfoStamp"]),
        .plugin(name: "BuildInfoStamp", capability: .buildTool(), path: "Sources/BuildInfoStamp"),

        // The settlement domain and engine: transactions, validation, pool, batches, state.
        .target(name: "Settlement", dependencies: [
            "CSecp256k1", "CMemoryHints", "CThreadSanitizer",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Persistence (Sources/Persistence), four modules:
        // the PostgreSQL client over libpq (connections, COPY, LISTEN, reconnects) and the embedded
        // server the engine starts when no database is configured; no settlement type.
        .target(name: "PostgresDriver", dependencies: [
            "CLibPQ",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Persistence/PostgresDriver"),
        // The settlement store: Settlement's storage protocols in PostgreSQL, and the schema's
        // migrations (one ordered list for every table, the simulator's and reporting's included).
        .target(name: "Persistence", dependencies: [
            "Settlement", "PostgresDriver",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Persistence/Store"),
        // The L1 simulator: a deterministic chain in PostgreSQL running the arbiter's rules (the
        // embedded default L1 and the test double).
        .target(name: "SimulatedL1", dependencies: [
            "Settlement", "Persistence", "PostgresDriver",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Persistence/L1Simulator"),
        // `settlement report`: reads the reporting views and renders text, HTML and SVG.
        .target(name: "Reporting", dependencies: ["PostgresDriver"], path: "Sources/Persistence/Reporting"),

        // The engine process: options and settings (one key list for flags, environment and
        // config file), start-up and ordered shutdown. A library, so that tests and the fuzz
        // targets resolve settings exactly as the engine does.
        .target(name: "SettlementEngineServer", dependencies: [
            "RPC", "Settlement", "Persistence", "PostgresDriver", "SimulatedL1", "BuildInfo",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // `settlement-engine`: main.swift runs EngineCommand.
        .executableTarget(name: "settlement-engine", dependencies: ["SettlementEngineServer"],
                          path: "Sources/settlement-engine"),

        // The operator's and user's command-line client of the settlement API, and `settlement
        // report` (reads the reporting views directly from PostgreSQL).
        .executableTarget(name: "settlement", dependencies: [
            "RPC", "Settlement", "Reporting", "BuildInfo",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/settlement-cli"),
        // End-to-end load generator and the microbenchmarks against the machine's limits (crypto
        // against raw libsecp256k1 and OpenSSL, COPY against raw libpq, durable batch commits, the
        // ZK pairing against py_ecc).
        .executableTarget(name: "settlement-bench", dependencies: [
            "RPC", "Settlement", "Persistence", "PostgresDriver", "CLibPQ", "CSecp256k1", "ZK",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ], path: "Sources/settlement-bench"),

        // A gRPC peer for the interoperability tests (Tests/interop): serves the test service, or
        // calls a stock grpcio server with the Swift client.
        .executableTarget(name: "rpc-interop-peer", dependencies: [
            "RPC",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/InteropPeer"),

        // Fuzz targets (Tests/Fuzz): every decoder of outside bytes and the HTTP/2 input path.
        // A plain build replays the committed corpus; Deploy/fuzz.sh builds it with libFuzzer.
        .target(name: "CFuzzDriver", path: "Tests/Fuzz/Driver"),
        .executableTarget(name: "settlement-fuzz", dependencies: [
            "CFuzzDriver", "RPC", "Settlement", "SettlementEngineServer", "ZK",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/Fuzz/Targets"),

        // Zero-knowledge foundations: BN254 fields, curves, the optimal ate pairing, Poseidon.
        .target(name: "ZK"),

        // Test doubles shared by the test targets (an in-memory SettlementStore).
        .target(name: "SettlementTestSupport", dependencies: ["Settlement"], path: "Tests/SettlementTestSupport"),
        .testTarget(name: "RPCTests", dependencies: ["RPC", "CNet", "SettlementTestSupport"]),
        .testTarget(name: "SettlementTests", dependencies: ["Settlement", "SettlementTestSupport"]),
        .testTarget(name: "PersistenceTests", dependencies: [
            "Persistence", "PostgresDriver", "SimulatedL1", "Reporting", "Settlement", "SettlementTestSupport",
        ]),
        // The engine's settings: one key list for flags, environment and config file.
        .testTarget(name: "EngineSettingsTests", dependencies: ["SettlementEngineServer"]),
        // ZK against laws, published precompile vectors, py_ecc and circomlib-compatible Poseidon.
        .testTarget(name: "ZKTests", dependencies: ["ZK"]),
    ],
    swiftLanguageModes: [.v6]
)
