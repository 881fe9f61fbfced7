import MeetCore
import Testing

@testable import MeetSFUNode

/// `MEET_SFU_K8S_*`: off unless pod and namespace are set, the in-cluster
/// defaults otherwise, clear errors for half or malformed settings.
@Suite struct KubernetesSettingsTests {
    @Test func offUnlessConfigured() throws {
        #expect(try KubernetesSettings.read(environment: EnvironmentReader(["KUBERNETES_SERVICE_HOST": "10.0.0.1"])) == nil)
        #expect(try SFUNodeConfiguration(environment: EnvironmentReader([:])).kubernetes == nil)
    }

    @Test func inAPodTheServiceAccountAndTheServiceAddressAreTheDefaults() throws {
        let settings = try #require(try KubernetesSettings.read(environment: EnvironmentReader([
            "MEET_SFU_K8S_POD_NAME": "meet-sfu-7d9f-abcde", "MEET_SFU_K8S_NAMESPACE": "meet",
            "KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443",
        ])))
        #expect(settings.endpoint == .init(host: "10.96.0.1", port: 443, tls: true))
        #expect(settings.tokenFile == "/var/run/secrets/kubernetes.io/serviceaccount/token")
        #expect(settings.caFile == "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt")
        #expect(settings.minimumInterval == .seconds(10))
        let v6 = try #require(try KubernetesSettings.read(environment: EnvironmentReader([
            "MEET_SFU_K8S_POD_NAME": "p", "MEET_SFU_K8S_NAMESPACE": "meet", "KUBERNETES_SERVICE_HOST": "fd00::1",
        ])))
        #expect(v6.endpoint == .init(host: "fd00::1", port: 443, tls: true))
    }

    @Test func halfASettingOrABadNameIsAnError() {
        #expect(throws: ConfigurationError.self) {
            try KubernetesSettings.read(environment: EnvironmentReader(["MEET_SFU_K8S_POD_NAME": "p"]))
        }
        #expect(throws: ConfigurationError.self) {
            try KubernetesSettings.read(environment: EnvironmentReader([
                "MEET_SFU_K8S_POD_NAME": "p/../../secrets", "MEET_SFU_K8S_NAMESPACE": "meet", "KUBERNETES_SERVICE_HOST": "10.0.0.1",
            ]))
        }
        // Enabled outside a pod with no API address: say so at start-up.
        #expect(throws: ConfigurationError.self) {
            try KubernetesSettings.read(environment: EnvironmentReader(["MEET_SFU_K8S_POD_NAME": "p", "MEET_SFU_K8S_NAMESPACE": "meet"]))
        }
        #expect(throws: ConfigurationError.self) {
            try KubernetesSettings.read(environment: EnvironmentReader([
                "MEET_SFU_K8S_POD_NAME": "p", "MEET_SFU_K8S_NAMESPACE": "meet", "MEET_SFU_K8S_API_URL": "ftp://x",
            ]))
        }
    }

    @Test func endpointURLs() {
        #expect(KubernetesSettings.Endpoint(url: "http://127.0.0.1:8001") == .init(host: "127.0.0.1", port: 8001, tls: false))
        #expect(KubernetesSettings.Endpoint(url: "https://kubernetes.default.svc") == .init(host: "kubernetes.default.svc", port: 443, tls: true))
        #expect(KubernetesSettings.Endpoint(url: "https://[fd00::1]:6443/") == .init(host: "fd00::1", port: 6443, tls: true))
        #expect(KubernetesSettings.Endpoint(url: "https://host:0") == nil)
        #expect(KubernetesSettings.Endpoint(url: "https://host/path") == nil)
        #expect(KubernetesSettings.Endpoint(url: "host:443") == nil)
    }
}
