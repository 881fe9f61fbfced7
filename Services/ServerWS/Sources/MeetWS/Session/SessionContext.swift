import Foundation
import Logging
import MeetAuth
import MeetCore
import MeetProtocol

/// What the drivers of a session's flows (publish, subscribe, migration,
/// host controls) need of the session they act for: its dependencies, who
/// it is, its presence record, its client. ``Session`` is the one
/// implementation; a driver is made for one request and holds it only
/// while it runs, so everything for one socket still happens in order in
/// the session's task.
protocol SessionContext: AnyObject {
    var services: SignalingServices { get }
    /// Who the socket speaks for; its role follows ``machine``.
    var identity: SessionIdentity { get }
    var logger: Logger { get }
    /// This socket's presence record (its media, hand, publication and
    /// subscriptions live here).
    var record: PresenceRecord { get set }
    /// This socket's migration state (``MigrationFlow``).
    var migration: MigrationFlow { get set }
    /// This socket's last-N state (``VideoSelectionState``).
    var videoSelection: VideoSelectionState { get set }
    /// This socket's breakout scope (``BreakoutView``).
    var breakout: BreakoutView { get }
    /// Sends this socket's selections to the nodes off its task, in order,
    /// and keeps what a node did not apply for the next round.
    var videoSelectionSender: VideoSelectionSender { get }
    /// The socket's rules: its state and its role as PostgreSQL has it.
    var machine: SessionMachine { get set }
    /// Mints resume tokens (`credentials`); nil where none are handed out (unit tests).
    var tokens: TokenService? { get }
    /// The region the ingress's header named at the upgrade (``PlacementRegion``).
    var upgradeRegion: String? { get }
    func reply(_ id: String?, _ message: ServerMessage) async
    func fail(_ id: String?, _ error: SignalingError) async
}

extension SessionContext {
    /// The region a publisher of this socket prefers: the publish's own,
    /// else the upgrade header's, else the replica's (``PlacementRegion``).
    /// A migration keeps the socket's (`request` nil).
    func placementRegion(_ request: PublishRequest?) -> String? {
        PlacementRegion.resolve(
            requested: request?.region, upgrade: self.upgradeRegion, replica: self.services.configuration.region)
    }

    /// In the room: joined, not waiting, not closed.
    var isJoined: Bool { self.machine.state == .joined }

    func fail(_ id: String?, _ code: SignalingErrorCode, _ message: String) async {
        await self.fail(id, SignalingError(code, message))
    }

    /// The participant's id as the SFU contract carries it (lower-case UUID).
    var sfuParticipantId: String { self.identity.participantId.uuidString.lowercased() }

    /// Writes this socket's record with `change` to presence, and keeps it
    /// when stored. False when the entry is no longer this socket's (removed
    /// from the room meanwhile, or taken by a newer socket): nothing changes.
    func store(_ change: (inout PresenceRecord) -> Void) async throws -> Bool {
        var updated = self.record
        change(&updated)
        guard try await self.services.presence.replace(meetingId: self.identity.meetingId, record: updated) else { return false }
        self.record = updated
        return true
    }

    /// Publishes `message` to this socket's room.
    func tellRoom(_ message: ServerMessage, audience: RoomAudience, exclude: UUID? = nil) async throws {
        try await self.services.publish(message, meetingId: self.identity.meetingId, audience: audience, exclude: exclude)
    }

    /// Tells the room this participant publishes nothing now (`tracks: []`).
    func tellRoomNoTracks() async throws {
        try await self.tellRoom(.tracks(TracksEvent(participantId: self.identity.participantId, nodeId: nil, tracks: [])), audience: .participants)
    }

    /// One control request to a node, as the `Result` a flow is fed.
    func ask<Body: Codable & Sendable, Reply: Codable & Sendable>(
        _ type: String, _ body: Body, node nodeId: String, as _: Reply.Type
    ) async -> Result<Reply, SFUFailure> {
        do throws(SFUFailure) {
            return .success(try await self.services.sfu.call(type, body, node: nodeId, as: Reply.self))
        } catch {
            return .failure(error)
        }
    }

    /// `sfu.close-transport`, best effort: a node that is gone or no longer
    /// has the transport has nothing to close; a lost node is not waited for.
    func closeTransport(_ transportId: String, on nodeId: String) async {
        await self.services.sfu.bestEffort(SFUControlType.closeTransport, CloseTransportRequest(transportId: transportId), node: nodeId)
    }
}
