import Foundation
import Logging
import NIOConcurrencyHelpers

/// What every simulated participant reports as it goes: errors by code,
/// join and publish times, and how many are joined and publishing now.
/// Thread-safe (one lock; written a few times per participant, not per packet).
final class LoadRecorder: Sendable {
    struct State: Sendable {
        var errors: [String: Int] = [:]
        var joinMillis: [Double] = []
        var publishMillis: [Double] = []
        var joined = 0
        var publishing = 0
        var otherEvents: [String: Int] = [:]
        /// Each audio publisher's participant id, by meeting and position
        /// (``SpeakerTurns``: subscribers look up who should be speaking).
        var speakerIDs: [SpeakerSeat: UUID] = [:]
    }

    struct SpeakerSeat: Hashable, Sendable {
        var meeting: Int
        var position: Int
    }

    private let state = NIOLockedValueBox(State())
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    var current: State { state.withLockedValue { $0 } }

    func error(_ error: LoadError, participant: Int) {
        state.withLockedValue { $0.errors[error.code, default: 0] += 1 }
        logger.warning("\(error.detail)", metadata: ["code": "\(error.code)", "participant": "\(participant)"])
    }

    func joined(millis: Double) {
        state.withLockedValue {
            $0.joined += 1
            $0.joinMillis.append(millis)
        }
    }

    func left() {
        state.withLockedValue { $0.joined -= 1 }
    }

    func publishing(millis: Double) {
        state.withLockedValue {
            $0.publishing += 1
            $0.publishMillis.append(millis)
        }
    }

    func stoppedPublishing() {
        state.withLockedValue { $0.publishing -= 1 }
    }

    /// An audio publisher joined as `id`.
    func speaker(meeting: Int, position: Int, joinedAs id: UUID) {
        state.withLockedValue { $0.speakerIDs[SpeakerSeat(meeting: meeting, position: position)] = id }
    }

    func speakerID(meeting: Int, position: Int) -> UUID? {
        state.withLockedValue { $0.speakerIDs[SpeakerSeat(meeting: meeting, position: position)] }
    }

    /// A frame meet-load does not handle (e.g. `active-speakers`), by type.
    func otherEvent(_ type: String) {
        state.withLockedValue { $0.otherEvents[type, default: 0] += 1 }
    }
}
