import Foundation
import MeetProtocol
import NIOConcurrencyHelpers

/// What a participant shows the progress line and the final report, and how
/// it leaves.
extension SimulatedParticipant {
    /// Cheap counters for the progress line.
    struct Live: Sendable {
        var subscriptions = 0
        var receiving = 0
        var videoFrames = 0
        var packets = 0
        var bytes = 0
        var sentPackets = 0
    }

    func live() -> Live {
        var live = Live()
        for leg in subscriptions.values {
            let snapshot = leg.receiver.snapshot()
            live.subscriptions += 1
            if snapshot.tracks.values.contains(where: { $0.packets > 0 }) { live.receiving += 1 }
            for track in snapshot.tracks.values {
                if track.isVideo { live.videoFrames += track.frames }
                live.packets += track.packets
                live.bytes += track.bytes
            }
        }
        for (publisher, transportId) in nodeSubscriptions {
            guard let leg = nodeLegs[transportId] else { continue }
            let snapshot = leg.receiver.snapshot(of: publisher)
            live.subscriptions += 1
            if snapshot.tracks.values.contains(where: { $0.packets > 0 }) { live.receiving += 1 }
            for track in snapshot.tracks.values {
                if track.isVideo { live.videoFrames += track.frames }
                live.packets += track.packets
                live.bytes += track.bytes
            }
        }
        for result in finished {
            for track in result.snapshot.tracks.values {
                if track.isVideo { live.videoFrames += track.frames }
                live.packets += track.packets
                live.bytes += track.bytes
            }
        }
        if let counters = sentCounters {
            live.sentPackets = counters.videoPackets + counters.audioPackets
        }
        return live
    }

    /// What this participant's publications sent, migrations included.
    private var sentCounters: MediaSender.Counters? {
        let current = publication?.sender.counters.withLockedValue { $0 }
        guard let before = sentBefore else { return current }
        return current.map(before.adding) ?? before
    }

    /// Everything this participant measured, trailing freezes counted up to `now`.
    func report(at now: UInt64) -> ParticipantResult {
        let active = subscriptions.values.map {
            SubscriptionResult(
                publisher: $0.publisher, expectsVideo: $0.expectsVideo, snapshot: $0.receiver.snapshot(closingAt: now), active: true)
        }
        let onNodes = nodeSubscriptions.compactMap { publisher, transportId in
            nodeLegs[transportId]?.result(for: publisher, closingAt: now, active: true)
        }
        // Each connection's audio slots count as one more subscription (nobody's in particular).
        let slots = nodeLegs.values.filter { $0.receiver.carries(NodeReceiver.audioSlots) }.map {
            $0.result(for: NodeReceiver.audioSlots, closingAt: now, active: true)
        }
        return ParticipantResult(
            index: plan.index, meeting: plan.meetingIndex, publishes: plan.publishes, speaking: plan.speaking,
            joinMillis: joinMillis, subscriptions: active + onNodes + slots + finished,
            subscriberConnections: subscriptions.count + nodeLegs.count, sent: sentCounters, pageTurns: pageTurns,
            speakerChanges: speakerChanges(at: now))
    }

    /// ``SpeakerTurns``: the turns that began after we joined and ended by
    /// `now`, and how long each took to reach us (nil: turns are off).
    private func speakerChanges(at now: UInt64) -> ParticipantResult.SpeakerChanges? {
        guard let turns = context.speakerTurns, turns.rotates, let joinedAt else { return nil }
        let first = turns.turn(at: joinedAt) + 1
        let last = turns.turn(at: now) - 1
        guard last >= first else { return ParticipantResult.SpeakerChanges(turns: 0, millis: []) }
        let timed = (first...last).compactMap { speakerChangeMillis[$0] }
        return ParticipantResult.SpeakerChanges(turns: last - first + 1, millis: timed)
    }
}

/// One participant's part of the report.
struct ParticipantResult: Sendable {
    var index: Int
    var meeting: Int
    var publishes: ParticipantPlan.Publishes
    var speaking: Bool
    /// Nil when it never joined.
    var joinMillis: Double?
    var subscriptions: [SubscriptionResult]
    /// Subscriber peer connections open at the end (one per node, or one per publisher).
    var subscriberConnections: Int
    var sent: MediaSender.Counters?
    var pageTurns = 0
    var speakerChanges: SpeakerChanges?

    /// Speaker turns this participant saw through, and the `active-speakers`
    /// latency of each one it was told about (ms after the turn began).
    struct SpeakerChanges: Sendable {
        var turns: Int
        var millis: [Double]
    }
}
