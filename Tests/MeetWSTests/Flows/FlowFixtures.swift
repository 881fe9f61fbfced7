import Foundation
import MeetProtocol
@testable import MeetWS

/// Records for feeding the sans-I/O flows.
enum FlowFixtures {
    static let address = NodeAddress(ip: "127.0.0.1", port: 10000)

    static func node(_ id: String, port: Int = 10000) -> SFUNodeRecord {
        SFUNodeRecord(
            id: id, publicIP: "127.0.0.1", udpPort: port, region: "test", state: .serving, load: SFUNodeLoad(), updatedAtMs: 0)
    }

    static func publication(_ transportId: String, on nodeId: String, of participantId: UUID = UUID(), kinds: [MediaKind] = [.mic])
        -> PublicationRecord
    {
        PublicationRecord(
            nodeId: nodeId, transportId: transportId, address: Self.address,
            tracks: kinds.map { TrackInfo(id: "\(transportId):\($0)", participantId: participantId, kind: $0, nodeId: nodeId) })
    }

    static func subscription(_ transportId: String, on nodeId: String, to publisher: UUID) -> SubscriptionRecord {
        SubscriptionRecord(transportId: transportId, nodeId: nodeId, address: Self.address, publisherParticipantId: publisher)
    }

    static func record(
        _ id: UUID = UUID(), role: MemberRole = .attendee, status: PresenceRecord.Status = .joined, publication: PublicationRecord? = nil
    ) -> PresenceRecord {
        PresenceRecord(
            participant: ParticipantInfo(id: id, displayName: "p", role: role, userId: nil, guest: true), status: status,
            replicaId: "r0", connectionId: UUID(), publication: publication)
    }
}
