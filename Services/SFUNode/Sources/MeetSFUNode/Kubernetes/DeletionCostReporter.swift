import Logging
import ServiceLifecycle

/// Keeps `controller.kubernetes.io/pod-deletion-cost` on this node's pod at
/// its transport count, so that an HPA scale-in deletes the emptiest SFU
/// (issue #22; the RBAC it needs is k8s/sfu/deployment/rbac.yaml). Looks at
/// the count every `tick`; ``DeletionCostPolicy`` decides whether a PATCH is
/// due (first value, a meaningful change, never more often than its
/// interval); each PATCH is bounded by the client's timeout. A failure is
/// logged once per outage and retried at the policy's pace; it never stops
/// the node. Stops with the graceful shutdown (a draining pod is already
/// being deleted).
final class DeletionCostReporter: Service, Sendable {
    static let annotation = "controller.kubernetes.io/pod-deletion-cost"

    let client: any PodAnnotationPatching
    let minimumInterval: Duration
    let tick: Duration
    let logger: Logger
    /// The node's transport count and whether it drains.
    let read: @Sendable () async -> (transports: Int, draining: Bool)

    init(
        client: any PodAnnotationPatching, minimumInterval: Duration, tick: Duration, logger: Logger,
        read: @escaping @Sendable () async -> (transports: Int, draining: Bool)
    ) {
        self.client = client
        self.minimumInterval = minimumInterval
        self.tick = tick
        self.logger = logger
        self.read = read
    }

    func run() async {
        var policy = DeletionCostPolicy(minimumInterval: minimumInterval / .seconds(1))
        let start = ContinuousClock.now
        var failing = false
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let (transports, draining) = await read()
            let now = start.duration(to: .now) / .seconds(1)
            if let cost = policy.due(transports: transports, draining: draining, now: now) {
                do {
                    try await client.patchAnnotations([Self.annotation: String(cost)])
                    policy.attempted(cost, at: now, succeeded: true)
                    logger.log(level: failing ? .info : .debug, "pod deletion cost written", metadata: ["cost": "\(cost)"])
                    failing = false
                } catch {
                    policy.attempted(cost, at: now, succeeded: false)
                    logger.log(
                        level: failing ? .debug : .warning, "could not write the pod deletion cost; retrying",
                        metadata: ["cost": "\(cost)", "error": "\(error)"])
                    failing = true
                }
            }
            try? await cancelWhenGracefulShutdown { [tick] in try await Task.sleep(for: tick) }
        }
    }
}
