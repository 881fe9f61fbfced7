import Foundation
import MeetProtocol
import Testing
@testable import MeetWS

/// Roles and seats as PostgreSQL has them now (in-memory adapters): host
/// controls follow a demotion without any notice, a membership notice
/// reaches the socket live, capacity is counted when the seat is taken.
@Suite struct SeatFlowTests {
    @Test func aDemotedHostIsRefusedEvenBeforeItHearsOfIt() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let meeting = UUID()
        let hostId = UUID()
        let host = await cluster.connect(replica: 0, meetingId: meeting, participantId: hostId, role: .host, name: "host")
        await host.send(.join, id: "j")
        try await host.waitFor("joined")
        let guestId = UUID()
        let guest = await cluster.connect(replica: 1, meetingId: meeting, participantId: guestId, name: "guest")
        await guest.send(.join, id: "j")
        try await guest.waitFor("joined")

        // Demoted in PostgreSQL; no notice reaches the socket.
        await cluster.participants.setRole(hostId, .attendee)
        await host.send(.mute(MuteCommand(participantId: guestId)), id: "m")
        let refused = try await host.waitFor("error") { $0.id == "m" }
        #expect(refused.errorCode == .forbidden)
        await host.send(.kick(TargetCommand(participantId: guestId)), id: "k")
        #expect(try await host.waitFor("error") { $0.id == "k" }.errorCode == .forbidden)
        #expect(await cluster.participants.status(guestId) == .joined)
        #expect(!guest.types.contains("mute-requested") && !guest.types.contains("kicked"))
        // ...and the room heard of the role it found.
        let updated = try await guest.waitFor("participant-updated")
        #expect(updated.updatedParticipant?.role == .attendee)
    }

    @Test func aJoinAsksPostgreSQLOnce() async throws {
        let cluster = try await InMemoryReplicas(count: 1)
        defer { cluster.stop() }
        let meeting = UUID()
        let a = await cluster.connect(replica: 0, meetingId: meeting, name: "a")
        await a.send(.join, id: "j")
        try await a.waitFor("joined")
        // takeSeat alone decides (it says why there is no seat); no standing read first.
        #expect(await cluster.participants.standingReads == 0)
        let strangerId = UUID()
        let stranger = await cluster.connect(replica: 0, meetingId: meeting, participantId: strangerId, name: "stranger")
        await cluster.participants.add(strangerId, meetingId: UUID(), status: .joining)  // its row is another meeting's
        await stranger.send(.join, id: "j")
        let refused = try await stranger.waitFor("error")
        #expect(refused.errorCode == .forbidden && refused.errorMessage == "this participant does not exist")
        try await cluster.settle()
        #expect(stranger.closeCode == CloseCode.forbidden)
    }

    @Test func aMembershipNoticeUpdatesTheRoleLive() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let meeting = UUID()
        let userId = UUID()
        let hostId = UUID()
        let host = await cluster.connect(
            replica: 0, meetingId: meeting, participantId: hostId, role: .host, name: "host", userId: userId)
        await host.send(.join, id: "j")
        try await host.waitFor("joined")
        let other = await cluster.connect(replica: 1, meetingId: meeting, name: "other")
        await other.send(.join, id: "j")
        try await other.waitFor("joined")

        await cluster.participants.setRole(hostId, .attendee)
        try await cluster.replicas[1].bus.publish(
            RoomBusMessage.seatChanged(meetingId: meeting, userId: userId, origin: "meet-api", sentAtMs: 0))
        #expect(try await host.waitFor("participant-updated").updatedParticipant?.role == .attendee)
        #expect(try await other.waitFor("participant-updated").updatedParticipant?.role == .attendee)
        // The notice itself is never forwarded.
        #expect(!other.types.contains(RoomBusMessage.seatChangedType))
    }

    @Test func aSeatEndedOverRESTClosesItsSocketAndTheRoomHearsItLeft() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let meeting = UUID()
        let userId = UUID()
        let goneId = UUID()
        let gone = await cluster.connect(replica: 0, meetingId: meeting, participantId: goneId, name: "gone", userId: userId)
        await gone.send(.join, id: "j")
        try await gone.waitFor("joined")
        let otherId = UUID()
        let other = await cluster.connect(replica: 1, meetingId: meeting, participantId: otherId, name: "other")
        await other.send(.join, id: "j")
        try await other.waitFor("joined")

        // meet-api deleted the account: its live seat is left in PostgreSQL, then the notice.
        await cluster.participants.markGone(participantId: goneId, status: .left)
        try await cluster.replicas[1].bus.publish(
            RoomBusMessage.seatChanged(meetingId: meeting, userId: userId, origin: "meet-api", sentAtMs: 0))
        let refused = try await gone.waitFor("error")
        #expect(refused.errorCode == .forbidden)
        #expect(try await other.waitFor("participant-left").leftParticipant?.participantId == goneId)
        try await cluster.settle()
        #expect(gone.closeCode == CloseCode.forbidden)
        #expect(try await cluster.presence.list(meetingId: meeting).map(\.participant.id) == [otherId])
        // The other seat is untouched.
        #expect(other.closeCode == nil)
    }

    @Test func aMeetingEndedOverRESTClosesEverySocketAndDropsTheirSeats() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let meeting = UUID()
        let a = await cluster.connect(replica: 0, meetingId: meeting, name: "a")
        await a.send(.join, id: "j")
        try await a.waitFor("joined")
        let b = await cluster.connect(replica: 1, meetingId: meeting, name: "b")
        await b.send(.join, id: "j")
        try await b.waitFor("joined")

        try await cluster.replicas[0].bus.publish(RoomBusMessage.meetingEnded(meetingId: meeting, origin: "meet-api", sentAtMs: 0))
        try await a.waitFor("meeting-ended")
        try await b.waitFor("meeting-ended")
        try await cluster.settle()
        #expect(a.closeCode == CloseCode.meetingEnded && b.closeCode == CloseCode.meetingEnded)
        #expect(try await cluster.presence.list(meetingId: meeting).isEmpty)
    }

    @Test func capacityIsCountedWhenTheSeatIsTakenAndHostsAlwaysGetIn() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let meeting = UUID()
        await cluster.participants.setCapacity(1, meetingId: meeting)
        // Both opened their sockets while there was room; only one gets the seat.
        let first = await cluster.connect(replica: 0, meetingId: meeting, name: "first")
        let second = await cluster.connect(replica: 1, meetingId: meeting, name: "second")
        await first.send(.join, id: "j")
        try await first.waitFor("joined")
        await second.send(.join, id: "j")
        #expect(try await second.waitFor("error").errorCode == .meetingFull)
        try await cluster.settle()
        #expect(second.closeCode == CloseCode.meetingFull)
        let host = await cluster.connect(replica: 1, meetingId: meeting, role: .owner, name: "owner")
        await host.send(.join, id: "j")
        try await host.waitFor("joined")
    }

    @Test func theMachineFollowsTheRole() {
        let identity = SessionIdentity(
            meetingId: UUID(), meetingCode: "x", participantId: UUID(), role: .host, displayName: "H", userId: nil)
        let machine = MachineDriver(SessionMachine(identity: identity, ratePerSecond: 10, burst: 10, now: .now))
        _ = machine.receive(Array(SignalingCodec.encode(ClientEnvelope(id: "j", .join)).utf8), now: .now)
        machine.joined(waiting: false)
        #expect(machine.accepts(audience: .hosts, exclude: nil))
        machine.updateRole(.attendee)
        #expect(!machine.accepts(audience: .hosts, exclude: nil))
        let kick = SignalingCodec.encode(ClientEnvelope(id: "k", .kick(TargetCommand(participantId: UUID()))))
        guard case .reply(let reply) = machine.receive(Array(kick.utf8), now: .now) else {
            Issue.record("kick by an attendee was not refused")
            return
        }
        #expect(reply.errorCode == .forbidden)
    }
}

extension ServerEnvelope {
    var updatedParticipant: ParticipantInfo? {
        if case .participantUpdated(let event) = self.message { return event.participant }
        return nil
    }
}
