import MeetRTC
import Testing

@testable import MeetSFUNode

/// `subscription-closed`'s `reason` is a machine value (docs/signaling.md, "Reasons").
@Suite("Transport close reasons")
struct TransportCloseReasonTests {
    @Test("every reason is snake_case, and the documented values are the ones sent")
    func snakeCase() {
        for reason in TransportCloseReason.allCases {
            #expect(reason.rawValue.allSatisfy { $0.isLowercase || $0 == "_" }, "\(reason.rawValue)")
        }
        #expect(Set(TransportCloseReason.allCases.map(\.rawValue)) == [
            "publisher_closed", "closed_by_request", "participant_closed", "migrated", "node_shutdown",
            "connection_closed", "ice_failed", "dtls_failed", "connection_failed",
        ])
    }

    @Test("a connection that ended on its own is named by the layer that failed")
    func endedStates() {
        #expect(TransportCloseReason(ended: .failed(stage: .ice, reason: "consent expired")) == .iceFailed)
        #expect(TransportCloseReason(ended: .failed(stage: .dtls, reason: "timeout")) == .dtlsFailed)
        #expect(TransportCloseReason(ended: .failed(stage: .srtp, reason: "keys")) == .connectionFailed)
        #expect(TransportCloseReason(ended: .closed(reason: "DTLS close_notify from peer")) == .connectionClosed)
    }
}
