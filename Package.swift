// swift-tools-version:6.1
// Meet: a horizontally scalable video-conferencing backend.
// One package; executables are thin, libraries are fat (see ARCHITECTURE.md).
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
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
        .library(name: "MeetRTC", targets: ["MeetRTC"]),
        .executable(name: "meet-echo", targets: ["MeetEchoPeer"]),
        .executable(name: "meet-sfu-bench", targets: ["SFUBench"]),
        .executable(name: "meet-sfu", targets: ["SFUNode"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.1.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // MARK: Wire contracts
        .target(
            name: "MeetProtocol",
            path: "Packages/MeetProtocol/Sources/MeetProtocol",
            swiftSettings: swiftSettings
        ),

        // MARK: Shared service runtime: configuration, logging, metrics, lifecycle, health.
        // Every service links it, meet-sfu included, so no database or JWT here.
        .target(
            name: "MeetCore",
            dependencies: [
                "MeetProtocol",
                // The health and metrics endpoints every service serves.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // ServiceCommand: the one command every service executable runs.
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Packages/MeetCore/Sources/MeetCore",
            swiftSettings: swiftSettings
        ),

        // MARK: PostgreSQL access, migrations and schema (meet-api and meet-ws only)
        .target(
            name: "MeetDatabase",
            dependencies: [
                "MeetCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // ConnectionPoolError, to classify pool failures by type (Database).
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Packages/MeetDatabase/Sources/MeetDatabase",
            swiftSettings: swiftSettings
        ),

        // MARK: Tokens: JWTs, refresh tokens, TURN credentials (meet-api and meet-ws only)
        .target(
            name: "MeetAuth",
            dependencies: [
                "MeetCore",
                "MeetProtocol",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Packages/MeetAuth/Sources/MeetAuth",
            swiftSettings: swiftSettings
        ),

        // MARK: Redis client and message bus (hiredis parses RESP, SwiftNIO does the socket)
        .systemLibrary(
            name: "CHiredis",
            path: "Packages/MeetRedis/Sources/CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .target(
            name: "MeetRedis",
            dependencies: [
                "CHiredis",
                // The circuit breaker of the command connection (shared with MeetDatabase).
                "MeetCore",
                "MeetProtocol",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Packages/MeetRedis/Sources/MeetRedis",
            swiftSettings: swiftSettings
        ),

        // MARK: ServerAPI (meet-api)
        .target(
            name: "MeetAPI",
            dependencies: [
                "MeetCore",
                "MeetDatabase",
                "MeetAuth",
                "MeetRedis",
                "MeetProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            path: "Services/ServerAPI/Sources/MeetAPI",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ServerAPI",
            dependencies: [
                "MeetAPI",
                "MeetCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Services/ServerAPI/Sources/ServerAPI",
            swiftSettings: swiftSettings
        ),

        // MARK: ServerWS (meet-ws): WebSocket signaling, scaled out through Redis
        .target(
            name: "MeetWS",
            dependencies: [
                "MeetCore",
                "MeetDatabase",
                "MeetAuth",
                "MeetRedis",
                "MeetProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/ServerWS/Sources/MeetWS",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ServerWS",
            dependencies: [
                "MeetWS",
                "MeetCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Services/ServerWS/Sources/ServerWS",
            swiftSettings: swiftSettings
        ),

        // MARK: MeetRTC: pure codecs (one module per protocol)
        .target(
            name: "MeetBytes",
            path: "Packages/MeetRTC/Sources/MeetBytes",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MeetSTUN",
            dependencies: [
                "MeetBytes",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Packages/MeetRTC/Sources/MeetSTUN",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MeetRTP",
            dependencies: ["MeetBytes", .product(name: "NIOCore", package: "swift-nio")],
            path: "Packages/MeetRTC/Sources/MeetRTP",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MeetRTCP",
            dependencies: ["MeetBytes", .product(name: "NIOCore", package: "swift-nio")],
            path: "Packages/MeetRTC/Sources/MeetRTCP",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MeetSDP",
            path: "Packages/MeetRTC/Sources/MeetSDP",
            swiftSettings: swiftSettings
        ),

        // MARK: MeetRTC: C façades
        .systemLibrary(
            name: "COpenSSL",
            path: "Packages/MeetRTC/Sources/COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CSRTP",
            path: "Packages/MeetRTC/Sources/CSRTP",
            pkgConfig: "libsrtp2",
            providers: [.apt(["libsrtp2-dev"])]
        ),
        .target(
            name: "MeetDTLS",
            dependencies: ["COpenSSL", "MeetBytes", .product(name: "NIOCore", package: "swift-nio")],
            path: "Packages/MeetRTC/Sources/MeetDTLS",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MeetSRTP",
            dependencies: ["CSRTP", "COpenSSL", "MeetBytes", .product(name: "NIOCore", package: "swift-nio")],
            path: "Packages/MeetRTC/Sources/MeetSRTP",
            swiftSettings: swiftSettings
        ),

        // MARK: MeetRTC: the transport that composes them
        .target(
            name: "CMeetUDP",
            path: "Packages/MeetRTC/Sources/CMeetUDP"
        ),
        .target(
            name: "MeetRTC",
            dependencies: [
                "MeetSTUN", "MeetRTP", "MeetRTCP", "MeetSDP", "MeetDTLS", "MeetSRTP", "CMeetUDP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Packages/MeetRTC/Sources/MeetRTC",
            swiftSettings: swiftSettings
        ),

        // MARK: meet-echo (interop test fixture, Tools/EchoPeer)
        .executableTarget(
            name: "MeetEchoPeer",
            dependencies: [
                "MeetRTC",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/EchoPeer",
            swiftSettings: swiftSettings
        ),

        // MARK: SFUNode: the forwarding core (sans-I/O, allocation-free per packet)
        .target(
            name: "MeetSFU",
            dependencies: [
                "MeetRTP", "MeetRTCP",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Services/SFUNode/Sources/MeetSFU",
            swiftSettings: swiftSettings
        ),

        // MARK: meet-sfu: the node process (registry, bus control, transports)
        .target(
            name: "MeetSFUNode",
            dependencies: [
                "MeetCore", "MeetRedis", "MeetProtocol", "MeetRTC", "MeetSFU", "MeetRTP", "MeetRTCP", "MeetSTUN",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Services/SFUNode/Sources/MeetSFUNode",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "SFUNode",
            dependencies: [
                "MeetSFUNode", "MeetCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Services/SFUNode/Sources/SFUNode",
            swiftSettings: swiftSettings
        ),

        // MARK: meet-sfu-bench (Tools/SFUBench): forwarding-core throughput and allocations
        .target(
            name: "CSFUBenchAlloc",
            path: "Tools/SFUBench/AllocCounter"
        ),
        .executableTarget(
            name: "SFUBench",
            dependencies: [
                "MeetSFU", "MeetSFUNode", "MeetRTP", "MeetSRTP", "MeetRTC", "MeetRedis", "MeetProtocol", "CSFUBenchAlloc",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tools/SFUBench/Bench",
            swiftSettings: swiftSettings
        ),

        // MARK: meet-srtp-bench (Tools/SRTPBench): SRTP allocations and speed, native vs libsrtp
        .executableTarget(
            name: "SRTPBench",
            dependencies: ["MeetSRTP", "CSFUBenchAlloc"],
            path: "Tools/SRTPBench",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .testTarget(
            name: "MeetAPITests",
            dependencies: [
                "MeetAPI", "MeetCore", "MeetDatabase", "MeetAuth", "MeetProtocol",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/MeetAPITests",
            swiftSettings: swiftSettings
        ),
        // meet-api against the real PostgreSQL (MEET_TEST_DATABASE_URL): the
        // storage contract for both adapters, readiness and outages.
        .testTarget(
            name: "MeetAPIIntegrationTests",
            dependencies: [
                "MeetAPI", "MeetCore", "MeetDatabase", "MeetAuth", "MeetProtocol",
                // meet-ws's participant store writes the bans meet-api reads (the kick in the contract).
                "MeetWS",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/MeetAPIIntegrationTests",
            swiftSettings: swiftSettings
        ),
        // The wire contracts alone: codecs, records and their JSON field names.
        .testTarget(
            name: "MeetProtocolTests",
            dependencies: ["MeetProtocol"],
            path: "Tests/MeetProtocolTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MeetCoreTests",
            dependencies: [
                "MeetCore", "MeetProtocol",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Tests/MeetCoreTests",
            swiftSettings: swiftSettings
        ),
        // The pool, deadlines and migrations against the real PostgreSQL (MEET_TEST_DATABASE_URL).
        .testTarget(
            name: "MeetDatabaseTests",
            dependencies: [
                "MeetDatabase", "MeetCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/MeetDatabaseTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MeetAuthTests",
            dependencies: ["MeetAuth", "MeetCore", "MeetProtocol"],
            path: "Tests/MeetAuthTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MeetRedisTests",
            dependencies: [
                "MeetRedis", "MeetProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/MeetRedisTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MeetWSTests",
            dependencies: [
                "MeetWS", "MeetCore", "MeetDatabase", "MeetAuth", "MeetRedis", "MeetProtocol",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/MeetWSTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RTCCodecTests",
            dependencies: ["MeetSTUN", "MeetRTP", "MeetRTCP", "MeetSDP"],
            path: "Tests/RTCCodecTests",
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RTCTransportTests",
            dependencies: [
                "MeetRTC", "MeetDTLS", "MeetSRTP", "MeetSTUN", "MeetRTP", "MeetRTCP", "MeetSDP",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/RTCTransportTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MeetSFUTests",
            dependencies: ["MeetSFU", "MeetRTP", "MeetRTCP", "MeetSRTP"],
            path: "Tests/MeetSFUTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MeetSFUNodeTests",
            dependencies: [
                "MeetSFUNode", "MeetCore", "MeetProtocol", "MeetRTC", "MeetRedis", "MeetSFU", "MeetRTP", "MeetRTCP", "MeetSTUN",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/MeetSFUNodeTests",
            swiftSettings: swiftSettings
        ),
    ]
)
