public import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
public import ServiceLifecycle

/// This replica's talk time (docs/scheduling.md, "Talk time"): the
/// ``TalkTimeLedger`` behind a lock, sampled by every active-speaker round
/// with the speakers among this replica's own sessions
/// (``SignalingServices/sendActiveSpeakers()``), written to the
/// ``TalkTimeStore`` every `MEET_WS_TALK_TIME_FLUSH_SECONDS`
/// (``TalkTimeService``), when a session ends (its own rows), and once more
/// on a graceful shutdown.
///
/// Only the replica holding a participant's socket measures it, so N
/// replicas do not write N copies; a second measured twice anyway (a resume
/// elsewhere while the old socket still counts) is stored once (the OR
/// merge). A failed write keeps its rows for the next flush. A crash loses
/// what was measured since the last flush: at most one flush interval.
///
/// Metrics: `meet_ws_talk_time_flushes_total{result}` (`ok`, `error`) and
/// `meet_ws_talk_time_dropped_seconds_total` (seconds not kept because the
/// ledger was full while writes failed).
public final class TalkTimeRecorder: Sendable {
    private let ledger: NIOLockedValueBox<TalkTimeLedger>
    let store: any TalkTimeStore
    /// Zero: talk time is off (active speakers are off on this replica).
    let flushInterval: Duration
    private let logger: Logger
    private let flushes: [Bool: Counter] = [
        true: Counter(label: "meet_ws_talk_time_flushes_total", dimensions: [("result", "ok")]),
        false: Counter(label: "meet_ws_talk_time_flushes_total", dimensions: [("result", "error")]),
    ]
    private let dropped = Counter(label: "meet_ws_talk_time_dropped_seconds_total")

    init(store: any TalkTimeStore, sampleInterval: Duration, flushInterval: Duration, logger: Logger, maxRows: Int = 20_000) {
        self.store = store
        self.flushInterval = sampleInterval > .zero ? flushInterval : .zero
        self.logger = logger
        self.ledger = NIOLockedValueBox(TalkTimeLedger(interval: sampleInterval, maxRows: maxRows))
    }

    var isEnabled: Bool { self.flushInterval > .zero }

    /// One round's sample (``TalkTimeLedger/sample(speaking:nowMs:)``).
    func sample(speaking: Set<UUID>, nowMs: Int64) {
        guard self.isEnabled else { return }
        let lost = self.ledger.withLockedValue { ledger in
            let before = ledger.dropped
            ledger.sample(speaking: speaking, nowMs: nowMs)
            return ledger.dropped - before
        }
        if lost > 0 { self.dropped.increment(by: lost) }
    }

    /// Writes what waits (of `only` those participants, when given); on a
    /// failure the rows go back for the next flush. Returns whether it was written.
    @discardableResult
    public func flush(only participants: Set<UUID>? = nil) async -> Bool {
        let rows = self.ledger.withLockedValue { $0.take(only: participants) }
        guard !rows.isEmpty else { return true }
        do {
            try await self.store.merge(rows)
            self.flushes[true]?.increment()
            return true
        } catch {
            self.flushes[false]?.increment()
            let lost = self.ledger.withLockedValue { $0.restore(rows) }
            if lost > 0 { self.dropped.increment(by: lost) }
            self.logger.warning("talk time not written; kept for the next flush", metadata: ["rows": "\(rows.count)", "error": "\(error)"])
            return false
        }
    }

    /// Rows waiting to be written (tests).
    var pendingRows: Int { self.ledger.withLockedValue { $0.rowCount } }
}

/// Flushes ``TalkTimeRecorder`` every `MEET_WS_TALK_TIME_FLUSH_SECONDS`, and
/// once more when the replica shuts down gracefully (listed before the
/// ``ActiveSpeakerService`` so that it stops after the last sample, and
/// after the database so that it stops before it).
public struct TalkTimeService: Service {
    let recorder: TalkTimeRecorder

    public init(services: SignalingServices) {
        self.recorder = services.talk
    }

    public func run() async throws {
        guard self.recorder.isEnabled else { return }
        let interval = self.recorder.flushInterval
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await self.recorder.flush()
            }
        }
        await self.recorder.flush()
    }
}
