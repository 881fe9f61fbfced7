import Foundation
import Logging
import MeetProtocol
import Metrics
public import ServiceLifecycle

/// Watches the SFU registry for nodes that leave, for this replica's own
/// sessions (every replica reads the same registry, so none coordinates
/// with another): every `MEET_WS_NODE_WATCH_MS` it reads the records,
/// feeds them to ``NodeDepartures`` (rules in ``NodeWatch``), announces each
/// new departure once (log, `meet_ws_sfu_nodes_lost_total`), and, while any
/// node is leaving, hands every local session a ``NodeNotice``: a session
/// whose publication is on a leaving node and that was not told yet gets
/// its `migrate` (a session that resumed here meanwhile included).
///
/// A failed read skips the round: Redis being down says nothing about the nodes.
public struct NodeWatcher: Service {
    let services: SignalingServices

    public init(services: SignalingServices) {
        self.services = services
    }

    public func run() async throws {
        let interval = self.services.configuration.nodeWatchInterval
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.round()
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// One round: read, compare, announce, notify.
    func round() async {
        let sfu = self.services.sfu
        let records: [SFUNodeRecord]
        do {
            records = try await sfu.registry.nodes()
        } catch {
            sfu.departures.readFailed()
            self.services.logger.debug("node watch: registry unreadable; round skipped", metadata: ["error": "\(error)"])
            return
        }
        let now = sfu.nowMs()
        // A node about to be declared lost that still listens on its inbox is
        // alive but late (starved of CPU): it gets the longer limit (NodeWatch).
        var listening: Set<String> = []
        let candidates = sfu.departures.lossCandidates(records, nowMs: now)
        if !candidates.isEmpty {
            do {
                listening = try await sfu.registry.listening(candidates)
            } catch {
                sfu.departures.readFailed()
                self.services.logger.debug("node watch: inboxes unreadable; round skipped", metadata: ["error": "\(error)"])
                return
            }
        }
        self.services.announce(sfu.departures.observe(records, listening: listening, nowMs: now))
        await self.services.notifySessionsOfDepartures(records: records, nowMs: now)
    }
}

extension SignalingServices {
    /// Logs and counts nodes that just started leaving (each once per replica).
    func announce(_ departures: [NodeWatch.Departure]) {
        for departure in departures {
            if departure.reason == .nodeLost { self.metrics.nodesLost.increment() }
            self.logger.notice(
                departure.reason == .nodeLost ? "SFU node lost" : "SFU node draining",
                metadata: ["sfu.node": "\(departure.nodeId)", "reason": "\(departure.reason.rawValue)"])
        }
    }

    /// Hands every local session the current departures, if there are any.
    func notifySessionsOfDepartures(records: [SFUNodeRecord]?, nowMs: Int64) async {
        let departed = self.sfu.departures.departed
        guard !departed.isEmpty else { return }
        await self.hub.notify(NodeNotice(departed: departed, records: records, nowMs: nowMs))
    }
}
