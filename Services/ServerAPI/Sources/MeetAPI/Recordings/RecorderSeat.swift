import Foundation
import Logging
import MeetAuth
import MeetProtocol

/// How a recorder gets into the meeting it records (docs/dev/recording.md,
/// "The recorder as a hidden subscriber"): a `recorder` seat token for the
/// recording, minted here at the start and carried by the start job with
/// the meet-ws URL. The seat has no `participants` row: meet-ws lets it in
/// while the recording is active, hides it from the room, and lets it only
/// subscribe. Its participant id is the recording's id, so a recorder that
/// reconnects (or takes the job over) replaces the seat instead of adding one.
struct RecorderSeat: Sendable, Equatable {
    var token: String
    var wsUrl: String

    /// The seat for `recording`; nil (logged) when the token cannot be signed:
    /// the recording then waits in `starting` until a host stops it.
    static func mint(for recording: RecordingResponse, meeting: MeetingRecord, deps: APIDependencies, logger: Logger) async -> RecorderSeat? {
        let claims = JoinTokenClaims.recorderSeat(recordingId: recording.id, meetingId: meeting.id, meetingCode: meeting.code)
        do {
            let token = try await deps.tokens.makeRecorderToken(claims)
            return RecorderSeat(token: token, wsUrl: deps.configuration.publicWebSocketURL)
        } catch {
            logger.error("could not sign a recorder token", metadata: ["recording.id": "\(recording.id)", "error": "\(error)"])
            return nil
        }
    }
}
