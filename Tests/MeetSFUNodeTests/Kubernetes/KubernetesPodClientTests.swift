import Foundation
import Logging
import NIOPosix
import Testing

@testable import MeetSFUNode

/// The deletion-cost client against ``FakeKubernetesAPI`` (a test double of
/// the Kubernetes API server on loopback): the request it sends, the errors
/// it reports, and the reporter's writes as the transport count moves.
@Suite struct KubernetesPodClientTests {
    let group = MultiThreadedEventLoopGroup.singleton

    private func settings(port: Int, token: String = "token-1\n", timeout: Duration = .seconds(5)) throws -> KubernetesSettings {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("meet-k8s-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try token.write(to: directory.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        return KubernetesSettings(
            podName: "meet-sfu-abc12", namespace: "meet", endpoint: .init(host: "127.0.0.1", port: port, tls: false),
            tokenFile: directory.appendingPathComponent("token").path, caFile: "/nonexistent",
            minimumInterval: .seconds(1), requestTimeout: timeout)
    }

    @Test func patchesItsOwnPodsAnnotationWithTheTokenAsAMergePatch() async throws {
        let api = try await FakeKubernetesAPI.start(group: group)
        let client = KubernetesPodClient(settings: try settings(port: api.port), group: group)
        try await client.patchAnnotations([DeletionCostReporter.annotation: "12"])
        let request = try #require(api.requests.first)
        #expect(request.method == "PATCH")
        #expect(request.path == "/api/v1/namespaces/meet/pods/meet-sfu-abc12")
        #expect(request.headers["authorization"] == "Bearer token-1")
        #expect(request.headers["content-type"] == "application/merge-patch+json")
        let body = try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: [String: [String: String]]]
        #expect(body == ["metadata": ["annotations": ["controller.kubernetes.io/pod-deletion-cost": "12"]]])
        // The key as the API server documents it, not with an escaped slash.
        #expect(request.body.contains(#""controller.kubernetes.io/pod-deletion-cost":"12""#))
        try await api.stop()
    }

    @Test func aRefusalIsAnErrorWithTheStatusAndTheServersWords() async throws {
        let api = try await FakeKubernetesAPI.start(group: group)
        api.answer(.status(403, #"{"reason":"Forbidden"}"#))
        let client = KubernetesPodClient(settings: try settings(port: api.port), group: group)
        await #expect(throws: KubernetesAPIError.status(403, #"{"reason":"Forbidden"}"#)) {
            try await client.patchAnnotations(["a": "1"])
        }
        try await api.stop()
    }

    @Test func aSilentServerTimesOutAndAMissingTokenOrServerIsReported() async throws {
        let api = try await FakeKubernetesAPI.start(group: group)
        api.answer(.silent)
        let client = KubernetesPodClient(settings: try settings(port: api.port, timeout: .milliseconds(200)), group: group)
        await #expect(throws: KubernetesAPIError.timeout) { try await client.patchAnnotations(["a": "1"]) }
        var noToken = try settings(port: api.port)
        noToken.tokenFile = "/nonexistent/token"
        await #expect {
            try await KubernetesPodClient(settings: noToken, group: group).patchAnnotations(["a": "1"])
        } throws: { error in
            if case .credentials = error as? KubernetesAPIError { true } else { false }
        }
        try await api.stop()
        let closed = KubernetesPodClient(settings: try settings(port: api.port), group: group)
        await #expect {
            try await closed.patchAnnotations(["a": "1"])
        } throws: { error in
            if case .transport = error as? KubernetesAPIError { true } else { false }
        }
    }

    @Test func theReporterWritesTheCountAsItMovesAndStaysQuietOtherwise() async throws {
        let api = try await FakeKubernetesAPI.start(group: group)
        let client = KubernetesPodClient(settings: try settings(port: api.port), group: group)
        let counts = Counts()
        let reporter = DeletionCostReporter(
            client: client, minimumInterval: .milliseconds(1), tick: .milliseconds(5), logger: Logger(label: "test"),
            read: { await counts.read() })
        let task = Task { await reporter.run() }
        func written() -> [String] {
            api.requests.map { $0.body.split(separator: "\"").dropLast().last.map(String.init) ?? "" }
        }
        try await waitUntil("the first cost, 0") { written() == ["0"] }
        await counts.set(4)
        try await waitUntil("the cost 4") { written() == ["0", "4"] }
        await counts.set(0, draining: true)
        // Ticks go by; a draining node writes nothing more.
        let ticks = await counts.reads
        try await waitUntil("five more ticks") { await counts.reads >= ticks + 5 }
        #expect(written() == ["0", "4"])
        task.cancel()
        await task.value
        try await api.stop()
    }

    private actor Counts {
        var value = 0
        var draining = false
        var reads = 0
        func set(_ value: Int, draining: Bool = false) {
            self.value = value
            self.draining = draining
        }
        func read() -> (transports: Int, draining: Bool) {
            reads += 1
            return (value, draining)
        }
    }
}
