import Foundation
import Logging
import MeetCore
import MeetProtocol
import Metrics

/// Runs the node's drain: feeds signals, transport counts and the deadline
/// timer into a ``DrainPolicy`` and carries out what it decides. The first
/// SIGTERM marks the node draining (no new transports, `/readyz` fails), has
/// the registry record rewritten at once and publishes `sfu.node-draining`;
/// the node keeps forwarding until it holds no transports or the drain
/// timeout passes, then `shutDown` starts the normal graceful shutdown. A
/// SIGINT, or a second SIGTERM, shuts down at once.
///
/// It keeps consuming signals after deciding (they are then ignored), so a
/// late SIGTERM cannot kill the process in the middle of its clean shutdown:
/// the caller cancels ``run(signals:shutDown:)`` once the services are down.
public final class DrainCoordinator: Sendable {
    /// What ``run(signals:shutDown:)`` reacts to, in arrival order.
    enum Input: Sendable {
        case signal(DrainPolicy.Signal)
        case transports(Int)
        case timer
    }

    let timeout: Duration
    let nodeId: String
    let transports: any NodeTransports
    let logger: Logger
    /// Rewrites the registry record now (its state comes from the transports: `draining`).
    let refreshRecord: @Sendable () -> Void
    /// Publishes the bus event (errors are the closure's to log).
    let announce: @Sendable (SFUNodeDrainingEvent) async -> Void

    init(
        timeout: Duration, nodeId: String, transports: any NodeTransports, logger: Logger,
        refreshRecord: @escaping @Sendable () -> Void = {},
        announce: @escaping @Sendable (SFUNodeDrainingEvent) async -> Void
    ) {
        self.timeout = timeout
        self.nodeId = nodeId
        self.transports = transports
        self.logger = logger
        self.refreshRecord = refreshRecord
        self.announce = announce
    }

    /// Consumes `signals` until cancelled; calls `shutDown` once, when the
    /// drain ends (or a signal says stop now).
    public func run<Signals: AsyncSequence & Sendable>(
        signals: Signals, shutDown: @escaping @Sendable (DrainPolicy.EndReason) async -> Void
    ) async where Signals.Element == DrainPolicy.Signal {
        let (inputs, input) = AsyncStream.makeStream(of: Input.self)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await signal in signals { input.yield(.signal(signal)) }
                } catch {}
            }
            var policy = DrainPolicy(timeout: timeout)
            for await next in inputs {
                let now = ContinuousClock.now
                let actions: [DrainPolicy.Action]
                switch next {
                case .signal(let signal):
                    if policy.isStopped {
                        logger.info("signal ignored: already shutting down", metadata: ["signal": "\(signal)"])
                        continue
                    }
                    actions = policy.received(signal, transports: await transports.transportCount, now: now)
                case .transports(let count):
                    actions = policy.transportsChanged(to: count, now: now)
                case .timer:
                    actions = policy.timerFired(transports: await transports.transportCount, now: now)
                }
                for action in actions {
                    switch action {
                    case .announceDrain(let deadline):
                        await startDrain(deadline: deadline, input: input, group: &group)
                    case .shutDown(let reason):
                        await finish(reason, policy: policy, now: now)
                        await shutDown(reason)
                    }
                }
            }
            group.cancelAll()
        }
    }

    private func startDrain(
        deadline: ContinuousClock.Instant, input: AsyncStream<Input>.Continuation, group: inout TaskGroup<Void>
    ) async {
        await transports.startDraining()
        refreshRecord()
        let snapshot = try? await transports.snapshot()
        let deadlineMs = Int64((Date().timeIntervalSince1970 + timeout.timeInterval) * 1000)
        logger.info(
            "drain started",
            metadata: [
                "publishers": "\(snapshot?.publishers ?? 0)", "subscribers": "\(snapshot?.subscribers ?? 0)",
                "timeout": "\(timeout)", "deadlineMs": "\(deadlineMs)",
            ])
        await announce(SFUNodeDrainingEvent(nodeId: nodeId, deadlineMs: deadlineMs))
        // From now on every change is reported; the count now covers any change missed so far.
        let count = await transports.observeTransportCount { input.yield(.transports($0)) }
        input.yield(.transports(count))
        group.addTask {
            try? await Task.sleep(until: deadline, clock: .continuous)
            input.yield(.timer)
        }
    }

    private func finish(_ reason: DrainPolicy.EndReason, policy: DrainPolicy, now: ContinuousClock.Instant) async {
        let remaining = await transports.transportCount
        var metadata: Logger.Metadata = ["reason": "\(reason.rawValue)", "transports": "\(remaining)"]
        if let start = policy.startedAt {
            let took = start.duration(to: now)
            SFUNodeMetrics.drainDuration.recordNanoseconds(took.nanoseconds)
            metadata["seconds"] = "\(took.timeInterval)"
            logger.info("drain ended; shutting down", metadata: metadata)
        } else {
            logger.info("interrupted; shutting down without a drain", metadata: metadata)
        }
    }
}

extension Duration {
    /// Whole nanoseconds (saturating), for swift-metrics timers.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return product.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
