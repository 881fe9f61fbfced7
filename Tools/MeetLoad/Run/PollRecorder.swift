import Foundation
import NIOConcurrencyHelpers

/// `--poll-after`: what the poll of each meeting measured, written by its
/// host (``PollHost``) and its participants (``SimulatedParticipant``),
/// all on the one monotonic clock of this process. Thread-safe (one lock;
/// a few writes per participant).
final class PollRecorder: Sendable {
    struct Meeting: Sendable {
        /// When the host sent `poll-launch` (monotonic nanoseconds; wall clock in seconds since 1970).
        var launchedAt: UInt64?
        var launchedAtUnix: Double?
        /// When the host's live tally first counted every planned voter.
        var countedAt: UInt64?
        /// When the host sent `poll-close`.
        var closedAt: UInt64?
        /// The tally's voters when the host closed it.
        var voterCount = 0
        /// When each participant got the closed results (the last one: everybody has them).
        var resultsAt: [UInt64] = []
    }

    struct State: Sendable {
        var meetings: [Int: Meeting] = [:]
        /// Launch → `poll` (open) at a participant, ms.
        var openMillis: [Double] = []
        /// `poll-vote` → its reply, ms.
        var voteMillis: [Double] = []
        /// Launch → the closed results at a participant, ms.
        var resultMillis: [Double] = []
        /// Close → the closed results at a participant, ms (the fan-out alone).
        var closeFanOutMillis: [Double] = []
        /// Closed results that did not count every planned voter.
        var incompleteResults = 0
    }

    private let state = NIOLockedValueBox(State())

    var current: State { state.withLockedValue { $0 } }

    func launched(meeting: Int, at now: UInt64) {
        state.withLockedValue {
            $0.meetings[meeting, default: Meeting()].launchedAt = now
            $0.meetings[meeting, default: Meeting()].launchedAtUnix = Date().timeIntervalSince1970
        }
    }

    func counted(meeting: Int, at now: UInt64) {
        state.withLockedValue { $0.meetings[meeting, default: Meeting()].countedAt = now }
    }

    func closed(meeting: Int, at now: UInt64, voterCount: Int) {
        state.withLockedValue {
            $0.meetings[meeting, default: Meeting()].closedAt = now
            $0.meetings[meeting, default: Meeting()].voterCount = voterCount
        }
    }

    /// A participant got the poll (open).
    func opened(meeting: Int, at now: UInt64) {
        state.withLockedValue { state in
            guard let launched = state.meetings[meeting]?.launchedAt else { return }
            state.openMillis.append(millis(from: launched, to: now))
        }
    }

    func voted(millis: Double) {
        state.withLockedValue { $0.voteMillis.append(millis) }
    }

    /// A participant got the closed results, counting `voterCount` of `expected`.
    func results(meeting: Int, at now: UInt64, voterCount: Int, expected: Int) {
        state.withLockedValue { state in
            guard let record = state.meetings[meeting], let launched = record.launchedAt else { return }
            state.meetings[meeting]?.resultsAt.append(now)
            state.resultMillis.append(millis(from: launched, to: now))
            if let closed = record.closedAt, now >= closed { state.closeFanOutMillis.append(millis(from: closed, to: now)) }
            if voterCount < expected { state.incompleteResults += 1 }
        }
    }
}
