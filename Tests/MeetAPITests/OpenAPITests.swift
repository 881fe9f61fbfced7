import Foundation
import Hummingbird
import Logging
import MeetCore
import Testing
@testable import MeetAPI

/// `docs/openapi.yaml` must describe exactly the routes the router has.
@Suite("OpenAPI spec matches the router")
struct OpenAPITests {
    struct Operation: Hashable, CustomStringConvertible {
        let method: String
        let path: String
        var description: String { "\(self.method) \(self.path)" }
    }

    static let methods: Set<String> = ["get", "put", "post", "patch", "delete", "head", "options"]

    /// Reads `paths:` with the layout the spec promises: a path is a key
    /// indented two spaces, an operation a method key indented four.
    static func specOperations(_ yaml: String) -> Set<Operation> {
        var operations = Set<Operation>()
        var inPaths = false
        var currentPath: String?
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.isEmpty {
                inPaths = line.hasPrefix("paths:")
                continue
            }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                currentPath = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let path = currentPath {
                let key = line.dropFirst(4).prefix { $0 != ":" }
                if Self.methods.contains(String(key)) {
                    operations.insert(Operation(method: key.uppercased(), path: path))
                }
            }
        }
        return operations
    }

    static func specText() throws -> String {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/openapi.yaml")
        return try String(contentsOf: url, encoding: .utf8)
    }

    @Test("every registered route is in the spec and every spec operation is registered")
    func routesMatchSpec() async throws {
        let configuration = try await TestApp.configuration()
        let deps = await APIDependencies(configuration: configuration, storage: .memory(), rateLimiter: InMemoryRateLimiter())
        let router = buildRouter(deps)
        let registered = Set(router.routes.map { Operation(method: $0.method.rawValue, path: $0.path.description) })
        let documented = Self.specOperations(try Self.specText())

        // 25 + the three recording routes (#18) + 21 of scheduling, invitations, notifications, feeds (#20) + 2 reports
        // + the whiteboard export (#21) + 4 of recording playback and access (#18) + 2 search + 2 data rights (#20)
        // + the invitation link's page (#20) + 2 of file sharing (#21) + the user socket's URL (#20)
        // + the playback URL's mint and GET (#18)
        #expect(registered.count == 66)
        #expect(registered.subtracting(documented).isEmpty, "registered but not documented: \(registered.subtracting(documented))")
        #expect(documented.subtracting(registered).isEmpty, "documented but not registered: \(documented.subtracting(registered))")
    }

    @Test("the line reader finds paths and methods and ignores everything else")
    func reader() {
        let yaml = """
            openapi: 3.1.0
            paths:
              /a:
                get:
                  summary: x
                  parameters:
                    - name: get
                post:
                  responses: {}
              /b/{id}:
                parameters: []
                delete:
                  summary: y
            components:
              schemas:
                get:
                  type: object
            """
        #expect(
            Self.specOperations(yaml)
                == [Operation(method: "GET", path: "/a"), Operation(method: "POST", path: "/a"), Operation(method: "DELETE", path: "/b/{id}")]
        )
    }

    @Test("every error code in the spec's enum is a known ErrorCode, and vice versa")
    func errorCodes() throws {
        let yaml = try Self.specText()
        let line = try #require(yaml.split(separator: "\n").first { $0.contains("enum: [malformed_json") })
        let list = line.drop { $0 != "[" }.dropFirst().prefix { $0 != "]" }
        let documented = Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        #expect(documented == Set(ErrorCodeList.all))
    }
}

import MeetProtocol

enum ErrorCodeList {
    static var all: [String] { ErrorCode.known.map(\.rawValue) }
}
