public import MeetCore

/// How meet-sfu reaches the Kubernetes API to keep its pod's deletion cost
/// current (docs/configuration.md, `MEET_SFU_K8S_*`). Off unless both
/// `MEET_SFU_K8S_POD_NAME` and `MEET_SFU_K8S_NAMESPACE` are set (the
/// manifests set them from the pod's own metadata); everything else has the
/// in-cluster defaults every pod gets.
public struct KubernetesSettings: Sendable, Equatable {
    /// The API server: `https://host:port` (or `http://` for a local
    /// `kubectl proxy` or a test double).
    public struct Endpoint: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var tls: Bool

        public init(host: String, port: Int, tls: Bool) {
            self.host = host
            self.port = port
            self.tls = tls
        }

        /// Parses `https://host:port`, `http://host:port` (port defaults 443 / 80; IPv6 in brackets).
        public init?(url: String) {
            let tls: Bool
            let rest: Substring
            if url.hasPrefix("https://") {
                (tls, rest) = (true, url.dropFirst(8))
            } else if url.hasPrefix("http://") {
                (tls, rest) = (false, url.dropFirst(7))
            } else {
                return nil
            }
            let authority = rest.hasSuffix("/") ? rest.dropLast() : rest
            guard !authority.isEmpty, !authority.contains("/") else { return nil }
            var host = authority
            var port = tls ? 443 : 80
            if authority.hasPrefix("[") {
                guard let close = authority.firstIndex(of: "]") else { return nil }
                host = authority[authority.index(after: authority.startIndex)..<close]
                let after = authority[authority.index(after: close)...]
                if !after.isEmpty {
                    guard after.hasPrefix(":"), let p = Int(after.dropFirst()), (1...65535).contains(p) else { return nil }
                    port = p
                }
            } else if let colon = authority.lastIndex(of: ":") {
                guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else { return nil }
                host = authority[..<colon]
                port = p
            }
            guard !host.isEmpty else { return nil }
            self.init(host: String(host), port: port, tls: tls)
        }
    }

    public var podName: String
    public var namespace: String
    public var endpoint: Endpoint
    /// The ServiceAccount token, re-read before every request (kubelet rotates it).
    public var tokenFile: String
    /// The CA bundle the API server's certificate is checked against (https only).
    public var caFile: String
    /// Least time between two PATCHes of the deletion cost.
    public var minimumInterval: Duration
    /// Connect + request + response, per PATCH.
    public var requestTimeout: Duration

    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    public init(
        podName: String, namespace: String, endpoint: Endpoint,
        tokenFile: String = KubernetesSettings.serviceAccountDirectory + "/token",
        caFile: String = KubernetesSettings.serviceAccountDirectory + "/ca.crt",
        minimumInterval: Duration = .seconds(10), requestTimeout: Duration = .seconds(5)
    ) {
        self.podName = podName
        self.namespace = namespace
        self.endpoint = endpoint
        self.tokenFile = tokenFile
        self.caFile = caFile
        self.minimumInterval = minimumInterval
        self.requestTimeout = requestTimeout
    }

    /// nil when the feature is off (neither pod name nor namespace set).
    public static func read(environment: EnvironmentReader) throws(ConfigurationError) -> KubernetesSettings? {
        let pod = environment.string("MEET_SFU_K8S_POD_NAME")
        let namespace = environment.string("MEET_SFU_K8S_NAMESPACE")
        guard pod != nil || namespace != nil else { return nil }
        guard let pod, let namespace else {
            throw ConfigurationError(
                variable: pod == nil ? "MEET_SFU_K8S_POD_NAME" : "MEET_SFU_K8S_NAMESPACE",
                message: "set both MEET_SFU_K8S_POD_NAME and MEET_SFU_K8S_NAMESPACE, or neither")
        }
        for (name, value) in [("MEET_SFU_K8S_POD_NAME", pod), ("MEET_SFU_K8S_NAMESPACE", namespace)] where !Self.isDNSLabelish(value) {
            throw ConfigurationError(variable: name, message: "must be a Kubernetes object name, got '\(value)'")
        }
        let url: String
        if let configured = environment.string("MEET_SFU_K8S_API_URL") {
            url = configured
        } else if let host = environment.string("KUBERNETES_SERVICE_HOST") {
            let port = environment.string("KUBERNETES_SERVICE_PORT") ?? "443"
            url = host.contains(":") ? "https://[\(host)]:\(port)" : "https://\(host):\(port)"
        } else {
            throw ConfigurationError(
                variable: "MEET_SFU_K8S_API_URL", message: "not set and no KUBERNETES_SERVICE_HOST (not in a pod?)")
        }
        guard let endpoint = Endpoint(url: url) else {
            throw ConfigurationError(variable: "MEET_SFU_K8S_API_URL", message: "must be https://host:port or http://host:port, got '\(url)'")
        }
        let directory = environment.string("MEET_SFU_K8S_SERVICE_ACCOUNT_DIR", default: Self.serviceAccountDirectory)
        let interval = try environment.int("MEET_SFU_K8S_DELETION_COST_INTERVAL_MS", default: 10_000, in: 1000...600_000)
        return KubernetesSettings(
            podName: pod, namespace: namespace, endpoint: endpoint, tokenFile: directory + "/token",
            caFile: directory + "/ca.crt", minimumInterval: .milliseconds(interval))
    }

    /// Lower-case letters, digits, '-' and '.': what pod and namespace names
    /// are made of (and nothing that could change the request path).
    static func isDNSLabelish(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 253
            && text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x2E }
    }
}
