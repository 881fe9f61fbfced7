import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MeetAuth
import MeetCore
import MeetProtocol
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@testable import MeetAPI

/// `/readyz` against a PostgreSQL that accepts connections and never
/// answers (a hung server, a half-open network path): it must still answer
/// 503 `database_unavailable` within its own short deadline, not after the
/// (here very long) database timeouts.
@Suite("Readiness against a hung or absent database")
struct ReadinessTests {
    @Test("readyz answers 503 within its own deadline when PostgreSQL hangs")
    func hungDatabase() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        try await IntegrationDatabase.runApp({
            $0.migrateOnStart = false
            $0.core.database = try! DatabaseConfiguration(
                url: "postgres://postgres@127.0.0.1:\(silent.port)/none?sslmode=disable",
                connectTimeout: .seconds(120),
                operationTimeout: .seconds(120)
            )
        }) { client in
            let start = ContinuousClock.now
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.errorCode == .databaseUnavailable)
            // Far below the 120 s database timeouts: the readiness deadline answered.
            #expect(ContinuousClock.now - start < .seconds(60))
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
        #expect(HealthController.readinessTimeout <= .seconds(2))
    }

    @Test("a database outage answers 503 database_unavailable quickly, and healthz stays up")
    func outage() async throws {
        try await IntegrationDatabase.runApp({
            $0.migrateOnStart = false
            $0.core.database = try! DatabaseConfiguration(
                url: "postgres://postgres@127.0.0.1:1/none?sslmode=disable",
                connectTimeout: .seconds(1),
                operationTimeout: .seconds(1)
            )
        }) { client in
            let start = ContinuousClock.now
            let token = try await TokenService(configuration: try JWTConfiguration(secret: IntegrationDatabase.secret))
                .makeAccessToken(userId: UUID()).token
            let json: HTTPFields = [.contentType: "application/json"]
            let requests: [(HTTPRequest.Method, String, HTTPFields, String?)] = [
                (.get, "/readyz", [:], nil),
                (.post, "/v1/auth/register", json, #"{"email":"down@example.com","password":"password1","displayName":"Down"}"#),
                (.post, "/v1/auth/login", json, #"{"email":"a@b.cd","password":"password1"}"#),
                (.post, "/v1/meetings/abc-defg-hij/join", json, #"{"displayName":"G"}"#),
                (.get, "/v1/meetings", [.authorization: "Bearer \(token)"], nil),
            ]
            for (method, path, headers, body) in requests {
                let response = try await client.execute(
                    uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
                #expect(response.status == .serviceUnavailable, "\(method) \(path)")
                #expect(response.errorCode == .databaseUnavailable, "\(method) \(path)")
            }
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(ContinuousClock.now - start < .seconds(30))
        }
    }
}

/// A loopback TCP port whose connections are accepted by the kernel
/// (listen backlog) and then never read from or answered.
private final class SilentListener: Sendable {
    let port: Int
    private let descriptor: Int32

    struct Failure: Error { var step: String }

    init() throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(step: "socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            closeSocket(fd)
            throw Failure(step: "bind/listen")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            closeSocket(fd)
            throw Failure(step: "getsockname")
        }
        self.descriptor = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        closeSocket(self.descriptor)
    }
}

private func closeSocket(_ descriptor: Int32) {
    _ = close(descriptor)
}
