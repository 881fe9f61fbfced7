// swift-tools-version:6.1
// Meet: a horizontally scalable video-conferencing backend.
// One package; executables are thin, libraries are fat (see ARCHITECTURE.md).
// Targets are grouped by layer below (wire contracts, service runtime,
// adapters, services, MeetRTC, the SFU, tools, tests); each group is a
// `let` array, and `package.targets` is their concatenation.
import PackageDescription

/// Every Swift target of the package builds with these.
let sharedSwiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    // A file sees only the members of the modules it imports itself.
    .enableUpcomingFeature("MemberImportVisibility"),
    // `import X` is internal: a module re-exports X only where its public API shows X's types (`public import X`).
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// MARK: Products of the dependencies, by the name the targets use

let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let hummingbirdTesting: Target.Dependency = .product(name: "HummingbirdTesting", package: "hummingbird")
let jwtKit: Target.Dependency = .product(name: "JWTKit", package: "jwt-kit")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let nioConcurrencyHelpers: Target.Dependency = .product(name: "NIOConcurrencyHelpers", package: "swift-nio")
let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioEmbedded: Target.Dependency = .product(name: "NIOEmbedded", package: "swift-nio")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let nioHTTP1: Target.Dependency = .product(name: "NIOHTTP1", package: "swift-nio")
let nioSSL: Target.Dependency = .product(name: "NIOSSL", package: "swift-nio-ssl")
let postgresNIO: Target.Dependency = .product(name: "PostgresNIO", package: "postgres-nio")
let serviceLifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")

extension Target {
    /// A library target of this package, with the package's Swift settings.
    static func meet(_ name: String, _ dependencies: [Dependency] = [], path: String) -> Target {
        .target(name: name, dependencies: dependencies, path: path, swiftSettings: sharedSwiftSettings)
    }

    /// An executable target of this package, with the package's Swift settings.
    static func meetExecutable(_ name: String, _ dependencies: [Dependency], path: String, exclude: [String] = []) -> Target {
        .executableTarget(name: name, dependencies: dependencies, path: path, exclude: exclude, swiftSettings: sharedSwiftSettings)
    }

    /// The test target `Tests/<name>`, with the package's Swift settings.
    static func meetTests(_ name: String, _ dependencies: [Dependency], resources: [Resource]? = nil) -> Target {
        .testTarget(name: name, dependencies: dependencies, path: "Tests/\(name)", resources: resources, swiftSettings: sharedSwiftSettings)
    }
}

// MARK: Wire contracts

let protocolTargets: [Target] = [
    .meet("MeetProtocol", path: "Packages/MeetProtocol/Sources/MeetProtocol"),
]

// MARK: Shared service runtime: configuration, logging, metrics, lifecycle, health.
// Every service links it, meet-sfu included, so no database or JWT here.

let coreTargets: [Target] = [
    .meet(
        "MeetCore",
        [
            "MeetProtocol",
            // The health and metrics endpoints every service serves.
            hummingbird, nioCore, nioPosix, nioConcurrencyHelpers, logging, metrics,
            .product(name: "Prometheus", package: "swift-prometheus"),
            serviceLifecycle,
            // ServiceCommand: the one command every service executable runs.
            argumentParser,
        ],
        path: "Packages/MeetCore/Sources/MeetCore"),
]

// MARK: Adapters: PostgreSQL, tokens, Redis

let adapterTargets: [Target] = [
    // PostgreSQL access, migrations and schema (meet-api and meet-ws only)
    .meet(
        "MeetDatabase",
        [
            "MeetCore", postgresNIO,
            // ConnectionPoolError, to classify pool failures by type (Database).
            .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
            crypto, logging, serviceLifecycle,
        ],
        path: "Packages/MeetDatabase/Sources/MeetDatabase"),
    // Email: ICS (RFC 5545) and MIME builders, an SMTP client on SwiftNIO (sans-I/O session + thin driver); meet-api only
    .meet("MeetMail", [nioCore, nioPosix, nioConcurrencyHelpers], path: "Packages/MeetMail/Sources/MeetMail"),
    // Tokens: JWTs, refresh tokens, TURN credentials (meet-api and meet-ws only)
    .meet("MeetAuth", ["MeetCore", "MeetProtocol", jwtKit, crypto], path: "Packages/MeetAuth/Sources/MeetAuth"),
    // Redis client (hiredis parses RESP, SwiftNIO does the socket): RESP only, no wire contracts
    .systemLibrary(
        name: "CHiredis", path: "Packages/MeetRedis/Sources/CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
    .meet(
        "MeetRedis",
        // MeetCore: the circuit breaker of the command connection (shared with MeetDatabase).
        ["CHiredis", "MeetCore", crypto, nioCore, nioPosix, nioConcurrencyHelpers, logging, metrics, serviceLifecycle],
        path: "Packages/MeetRedis/Sources/MeetRedis"),
    // Recording storage: S3 (SigV4 by hand over NIO HTTP/1.1) and HTTP byte ranges (meet-recorder and meet-api)
    .meet("MeetStorage", ["MeetCore", crypto, nioCore, nioPosix, nioHTTP1, nioSSL], path: "Packages/MeetStorage/Sources/MeetStorage"),
    // The message bus: envelopes, request/reply, inboxes, over a transport (Redis pub/sub or in memory)
    .meet(
        "MeetBus", ["MeetRedis", "MeetProtocol", nioConcurrencyHelpers, logging, metrics, serviceLifecycle],
        path: "Packages/MeetBus/Sources/MeetBus"),
]

// MARK: Services: meet-api (REST) and meet-ws (WebSocket signaling, scaled out through Redis)

let serviceTargets: [Target] = [
    .meet(
        "MeetAPI",
        [
            "MeetCore", "MeetDatabase", "MeetAuth", "MeetRedis", "MeetProtocol", hummingbird,
            // Invitation and reminder email (SMTP, ICS, MIME).
            "MeetMail",
            // Recording playback and retention (directory or S3).
            "MeetStorage",
            .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            postgresNIO, jwtKit,
        ],
        path: "Services/ServerAPI/Sources/MeetAPI"),
    .meetExecutable("ServerAPI", ["MeetAPI", "MeetCore", argumentParser], path: "Services/ServerAPI/Sources/ServerAPI"),
    .meet(
        "MeetWS",
        [
            "MeetCore", "MeetDatabase", "MeetAuth", "MeetRedis", "MeetBus", "MeetProtocol", hummingbird,
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            postgresNIO, nioCore, nioConcurrencyHelpers, logging, metrics, serviceLifecycle,
        ],
        path: "Services/ServerWS/Sources/MeetWS"),
    .meetExecutable("ServerWS", ["MeetWS", "MeetCore", argumentParser], path: "Services/ServerWS/Sources/ServerWS"),
]

// MARK: meet-recorder: per-track files without transcoding (libavformat through CMeetMux), sans-I/O media in front

let recorderTargets: [Target] = [
    .target(
        name: "CMeetMux", path: "Services/Recorder/Sources/CMeetMux",
        linkerSettings: [.linkedLibrary("avformat"), .linkedLibrary("avcodec"), .linkedLibrary("avutil")]),
    .meet(
        "MeetRecorder",
        [
            "CMeetMux", "MeetCore", "MeetDatabase", "MeetProtocol", "MeetRedis", "MeetRTC", "MeetStorage", "MeetRTP", "MeetRTCP", hummingbird, logging,
            metrics, postgresNIO, serviceLifecycle, nioCore, nioPosix, nioConcurrencyHelpers,
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
        ],
        path: "Services/Recorder/Sources/MeetRecorder"),
    .meetExecutable("Recorder", ["MeetRecorder", "MeetCore", hummingbird, logging, argumentParser], path: "Services/Recorder/Sources/Recorder"),
]

// MARK: MeetRTC: pure codecs (one module per protocol), C façades, and the transport that composes them

let rtcTargets: [Target] = [
    .meet("MeetBytes", path: "Packages/MeetRTC/Sources/MeetBytes"),
    .meet("MeetSTUN", ["MeetBytes", nioCore, crypto], path: "Packages/MeetRTC/Sources/MeetSTUN"),
    .meet("MeetRTP", ["MeetBytes", nioCore], path: "Packages/MeetRTC/Sources/MeetRTP"),
    .meet("MeetRTCP", ["MeetBytes", nioCore], path: "Packages/MeetRTC/Sources/MeetRTCP"),
    .meet("MeetSDP", path: "Packages/MeetRTC/Sources/MeetSDP"),
    .systemLibrary(
        name: "COpenSSL", path: "Packages/MeetRTC/Sources/COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
    .systemLibrary(
        name: "CSRTP", path: "Packages/MeetRTC/Sources/CSRTP", pkgConfig: "libsrtp2", providers: [.apt(["libsrtp2-dev"])]),
    .meet("MeetDTLS", ["COpenSSL", "MeetBytes", nioCore], path: "Packages/MeetRTC/Sources/MeetDTLS"),
    .meet("MeetSRTP", ["CSRTP", "COpenSSL", "MeetBytes", nioCore], path: "Packages/MeetRTC/Sources/MeetSRTP"),
    .target(name: "CMeetUDP", path: "Packages/MeetRTC/Sources/CMeetUDP"),
    .meet(
        "MeetRTC",
        ["MeetSTUN", "MeetRTP", "MeetRTCP", "MeetSDP", "MeetDTLS", "MeetSRTP", "CMeetUDP", nioCore, nioPosix, nioConcurrencyHelpers, logging, metrics],
        path: "Packages/MeetRTC/Sources/MeetRTC"),
]

// MARK: meet-sfu: the forwarding core (sans-I/O, allocation-free per packet) and the node process (registry, bus control, transports)

let sfuTargets: [Target] = [
    .meet("MeetSFU", ["MeetRTP", "MeetRTCP", nioCore], path: "Services/SFUNode/Sources/MeetSFU"),
    .meet(
        "MeetSFUNode",
        [
            "MeetCore", "MeetRedis", "MeetBus", "MeetProtocol", "MeetRTC", "MeetSFU", "MeetRTP", "MeetRTCP", "MeetSTUN",
            hummingbird, metrics, nioCore, nioPosix, nioConcurrencyHelpers, logging, serviceLifecycle,
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            // The pod-deletion-cost PATCH to the Kubernetes API (Kubernetes/).
            nioHTTP1, nioSSL,
        ],
        path: "Services/SFUNode/Sources/MeetSFUNode"),
    .meetExecutable("SFUNode", ["MeetSFUNode", "MeetCore", argumentParser], path: "Services/SFUNode/Sources/SFUNode"),
]

// MARK: Tools: meet-echo (interop test fixture), meet-sfu-bench (forwarding-core throughput and allocations),
// meet-srtp-bench (SRTP allocations and speed, native vs libsrtp), meet-load (simulated participants against a deployment)

let toolTargets: [Target] = [
    .meetExecutable("MeetEchoPeer", ["MeetRTC", nioCore, nioPosix, hummingbird, logging, argumentParser], path: "Tools/EchoPeer"),
    .target(name: "CSFUBenchAlloc", path: "Tools/SFUBench/AllocCounter"),
    .meetExecutable(
        "SFUBench",
        [
            "MeetSFU", "MeetSFUNode", "MeetRTP", "MeetSRTP", "MeetRTC", "MeetRedis", "MeetBus", "MeetProtocol", "MeetStorage",
            "CSFUBenchAlloc", nioCore, nioPosix, nioHTTP1, nioConcurrencyHelpers, logging,
        ],
        path: "Tools/SFUBench/Bench"),
    .meetExecutable("SRTPBench", ["MeetSRTP", "CSFUBenchAlloc"], path: "Tools/SRTPBench", exclude: ["README.md"]),
    .meetExecutable(
        "MeetLoad",
        [
            "MeetRTC", "MeetRTP", "MeetRTCP", "MeetProtocol",
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            nioCore, nioPosix, nioConcurrencyHelpers, logging, argumentParser,
        ],
        path: "Tools/MeetLoad"),
]

// MARK: Tests (Tests/<target>, mirroring the module they test)

let testTargets: [Target] = [
    // What several test targets share: the test PostgreSQL (MEET_TEST_DATABASE_URL), the configuration table.
    .meet("MeetTestSupport", ["MeetDatabase", "MeetCore", postgresNIO, logging], path: "Tests/MeetTestSupport"),
    .meetTests(
        "MeetAPITests",
        ["MeetAPI", "MeetCore", "MeetDatabase", "MeetAuth", "MeetProtocol", "MeetStorage", "MeetTestSupport", hummingbirdTesting, postgresNIO]),
    // meet-api against the real PostgreSQL (MEET_TEST_DATABASE_URL): the
    // storage contract for both adapters, readiness and outages.
    .meetTests(
        "MeetAPIIntegrationTests",
        [
            "MeetAPI", "MeetCore", "MeetDatabase", "MeetAuth", "MeetProtocol", "MeetStorage", "MeetTestSupport",
            // meet-ws's participant store writes the bans meet-api reads (the kick in the contract).
            "MeetWS",
            hummingbirdTesting, postgresNIO,
        ]),
    // ICS, MIME and the SMTP session (sans-I/O), and the client against a scripted SMTP server on loopback.
    .meetTests("MeetMailTests", ["MeetMail", nioCore, nioPosix]),
    .meetTests("MeetStorageTests", ["MeetStorage", crypto, nioCore]),
    // The wire contracts alone: codecs, records and their JSON field names.
    .meetTests("MeetProtocolTests", ["MeetProtocol"]),
    .meetTests("MeetCoreTests", ["MeetCore", "MeetProtocol", nioConcurrencyHelpers]),
    // The pool, deadlines and migrations against the real PostgreSQL (MEET_TEST_DATABASE_URL).
    .meetTests("MeetDatabaseTests", ["MeetDatabase", "MeetCore", "MeetTestSupport", postgresNIO, logging]),
    .meetTests("MeetAuthTests", ["MeetAuth", "MeetCore", "MeetProtocol"]),
    // The test Redis (MEET_TEST_REDIS_URL) and private redis-servers a test may freeze or kill,
    // for the Redis client's and the bus's tests.
    .meet("MeetRedisTestSupport", ["MeetRedis", logging], path: "Tests/MeetRedisTestSupport"),
    .meetTests("MeetRedisTests", ["MeetRedis", "MeetRedisTestSupport", nioCore, nioPosix, nioEmbedded, logging, serviceLifecycle]),
    .meetTests(
        "MeetBusTests", ["MeetBus", "MeetRedis", "MeetProtocol", "MeetRedisTestSupport", nioConcurrencyHelpers, logging, serviceLifecycle]),
    .meetTests(
        "MeetWSTests",
        [
            "MeetWS", "MeetCore", "MeetDatabase", "MeetAuth", "MeetRedis", "MeetBus", "MeetProtocol", "MeetTestSupport",
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            nioCore, nioConcurrencyHelpers, postgresNIO, logging,
        ]),
    .meetTests("RTCCodecTests", ["MeetSTUN", "MeetRTP", "MeetRTCP", "MeetSDP"], resources: [.copy("Fixtures")]),
    .meetTests(
        "RTCTransportTests", ["MeetRTC", "MeetDTLS", "MeetSRTP", "MeetSTUN", "MeetRTP", "MeetRTCP", "MeetSDP", nioEmbedded, logging]),
    .meetTests("MeetSFUTests", ["MeetSFU", "MeetRTP", "MeetRTCP", "MeetSRTP"]),
    .meetTests(
        "MeetSFUNodeTests",
        [
            "MeetSFUNode", "MeetCore", "MeetProtocol", "MeetRTC", "MeetRedis", "MeetBus", "MeetSFU", "MeetRTP", "MeetRTCP", "MeetSTUN",
            "MeetTestSupport", nioCore, nioPosix, nioConcurrencyHelpers, nioHTTP1, logging,
        ]),
    // meet-recorder's media pieces (reorder, VP8 frames, clock) and the muxer through libavformat.
    .meetTests(
        "MeetRecorderTests",
        [
            "MeetRecorder", "MeetCore", "MeetDatabase", "MeetProtocol", "MeetRedis", "MeetRTP", "MeetStorage", "MeetTestSupport",
            "MeetRedisTestSupport", logging, postgresNIO, nioConcurrencyHelpers,
        ],
        resources: [.copy("Fixtures")]),
    // meet-load's sans-I/O pieces (frame, freeze and loss counting, synthetic media, plan, strategy).
    .meetTests("MeetLoadTests", ["MeetLoad", "MeetProtocol", "MeetRTP", nioCore]),
]

let package = Package(
    name: "meet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "meet-api", targets: ["ServerAPI"]),
        .executable(name: "meet-ws", targets: ["ServerWS"]),
        .library(name: "MeetProtocol", targets: ["MeetProtocol"]),
        .library(name: "MeetCore", targets: ["MeetCore"]),
        .library(name: "MeetDatabase", targets: ["MeetDatabase"]),
        .library(name: "MeetAuth", targets: ["MeetAuth"]),
        .library(name: "MeetRedis", targets: ["MeetRedis"]),
        .library(name: "MeetBus", targets: ["MeetBus"]),
        .library(name: "MeetRTC", targets: ["MeetRTC"]),
        .executable(name: "meet-echo", targets: ["MeetEchoPeer"]),
        .executable(name: "meet-sfu-bench", targets: ["SFUBench"]),
        .executable(name: "meet-sfu", targets: ["SFUNode"]),
        .executable(name: "meet-load", targets: ["MeetLoad"]),
        .executable(name: "meet-recorder", targets: ["Recorder"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Already in the graph through postgres-nio; meet-sfu's Kubernetes API client uses it directly.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.1.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: protocolTargets + coreTargets + adapterTargets + serviceTargets + recorderTargets + rtcTargets + sfuTargets + toolTargets + testTargets
)
