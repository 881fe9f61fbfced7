import Foundation
import MeetCore
import MeetProtocol
import Testing

@testable import MeetWS

/// meet-ws's bounds (docs/signaling.md "Limits"; issue #13 items 5, 7, 13):
/// the session mailbox, WebSocket message assembly, the per-address
/// connection count, and how a session answers its deadlines.
@Suite struct LimitsTests {
    static func roomEvent(bytes: Int = 10) -> SessionInput {
        .room(
            RoomBusMessage(
                meetingId: UUID(), origin: "r0", sentAtMs: 0, audience: .everyone, exclude: nil, type: "chat",
                frame: String(repeating: "x", count: bytes)))
    }

    // MARK: MailboxQueue

    @Test func framesPastTheBoundWaitInsteadOfQueueing() {
        var queue = MailboxQueue(limits: MailboxLimits(frames: 2, events: 100, eventBytes: 1 << 20))
        let r1 = queue.offer(frame: [1])
        #expect(r1)
        let r2 = queue.offer(frame: [2])
        #expect(r2)
        let r3 = queue.offer(frame: [3])
        #expect(!r3)
        #expect(queue.count == 2)
        guard case .frame([1])? = queue.next() else { Issue.record("expected the first frame"); return }
        #expect(queue.accepts(frameOf: 1))
        let r4 = queue.offer(frame: [3])
        #expect(r4)
    }

    @Test func framesPastTheByteBoundWaitButOneAlwaysFits() {
        var queue = MailboxQueue(limits: MailboxLimits(frames: 8, frameBytes: 100, events: 100, eventBytes: 1 << 20))
        let big = queue.offer(frame: [UInt8](repeating: 0, count: 500))
        #expect(big)
        let next = queue.offer(frame: [1])
        #expect(!next)
        _ = queue.next()
        let first = queue.offer(frame: [UInt8](repeating: 0, count: 60))
        let second = queue.offer(frame: [UInt8](repeating: 0, count: 60))
        #expect(first && !second)
        #expect(queue.frameBytes == 60)
    }

    @Test func eventsPastTheCountBoundLeaveOnlyOverflow() {
        var queue = MailboxQueue(limits: MailboxLimits(frames: 2, events: 3, eventBytes: 1 << 20))
        _ = queue.offer(frame: [1])
        for _ in 0..<3 {
            let offered = queue.offer(event: Self.roomEvent())
            #expect(offered == .accepted)
        }
        let r5 = queue.offer(event: Self.roomEvent())
        #expect(r5 == .overflowed)
        let r6 = queue.offer(event: Self.roomEvent())
        #expect(r6 == .dropped)
        #expect(queue.count == 1)
        guard case .overflow? = queue.next() else { Issue.record("expected overflow"); return }
        let rest = queue.next()
        #expect(rest == nil)
    }

    @Test func eventsPastTheByteBoundOverflow() {
        var queue = MailboxQueue(limits: MailboxLimits(frames: 2, events: 1000, eventBytes: 10_000))
        let r7 = queue.offer(event: Self.roomEvent(bytes: 4000))
        #expect(r7 == .accepted)
        let r8 = queue.offer(event: Self.roomEvent(bytes: 4000))
        #expect(r8 == .accepted)
        let r9 = queue.offer(event: Self.roomEvent(bytes: 4000))
        #expect(r9 == .overflowed)
    }

    @Test func takingEventsFreesTheirBytes() {
        var queue = MailboxQueue(limits: MailboxLimits(frames: 2, events: 2, eventBytes: 1 << 20))
        for _ in 0..<100 {
            let r10 = queue.offer(event: Self.roomEvent(bytes: 100))
            #expect(r10 == .accepted)
            _ = queue.next()
        }
        #expect(queue.events == 0)
        #expect(queue.eventBytes == 0)
    }

    // MARK: SessionMailbox

    @Test func theSocketReaderWaitsUntilTheSessionTakesAFrame() async throws {
        let mailbox = SessionMailbox(
            connectionId: UUID(),
            identity: SessionIdentity(meetingId: UUID(), meetingCode: "abc", participantId: UUID(), role: .attendee, displayName: "t", userId: nil),
            limits: MailboxLimits(frames: 1, events: 10, eventBytes: 1 << 20))
        await mailbox.send(frame: [1])
        let second = Task { await mailbox.send(frame: [2]) }
        // The reader is held: the queue keeps one frame however long we look.
        for _ in 0..<20 {
            await Task.yield()
            #expect(mailbox.queued == 1)
        }
        guard case .frame([1])? = await mailbox.next() else { Issue.record("expected frame 1"); return }
        await second.value
        guard case .frame([2])? = await mailbox.next() else { Issue.record("expected frame 2"); return }
        mailbox.finish()
        #expect(await mailbox.next() == nil)
    }

    @Test func finishingReleasesAWaitingReader() async {
        let mailbox = SessionMailbox(
            connectionId: UUID(),
            identity: SessionIdentity(meetingId: UUID(), meetingCode: "abc", participantId: UUID(), role: .attendee, displayName: "t", userId: nil),
            limits: MailboxLimits(frames: 1))
        await mailbox.send(frame: [1])
        let blocked = Task { await mailbox.send(frame: [2]) }
        mailbox.finish()
        await blocked.value
        #expect(mailbox.queued == 0)
    }

    // MARK: MessageAssembler (RFC 6455)

    @Test func messageAssemblyFailuresMapToTheirCloseCodes() {
        var assembler = MessageAssembler(maxSize: 16)
        #expect(throws: MessageAssembler.Failure.continuationWithoutStart) { try assembler.push(.continuation, fin: true, [1]) }
        #expect(MessageAssembler.Failure.continuationWithoutStart.closeCode == 1002)

        assembler = MessageAssembler(maxSize: 16)
        #expect(throws: MessageAssembler.Failure.invalidUTF8) { try assembler.push(.text, fin: true, [0x7B, 0xFF, 0xFE]) }
        #expect(MessageAssembler.Failure.invalidUTF8.closeCode == 1007)

        assembler = MessageAssembler(maxSize: 16)
        #expect(throws: MessageAssembler.Failure.tooLarge) { try assembler.push(.text, fin: true, [UInt8](repeating: 0x61, count: 17)) }
        #expect(MessageAssembler.Failure.tooLarge.closeCode == 1009)

        assembler = MessageAssembler(maxSize: 16)
        _ = try? assembler.push(.text, fin: false, [0x61])
        #expect(throws: MessageAssembler.Failure.unfinishedMessage) { try assembler.push(.text, fin: true, [0x61]) }
        #expect(MessageAssembler.Failure.unfinishedMessage.closeCode == 1002)
    }

    @Test func fragmentsAssembleAndUTF8SplitAcrossThemIsValid() throws {
        var assembler = MessageAssembler(maxSize: 64)
        let euro: [UInt8] = [0xE2, 0x82, 0xAC]
        #expect(try assembler.push(.text, fin: false, [0x22, euro[0]]) == nil)
        #expect(try assembler.push(.continuation, fin: false, [euro[1]]) == nil)
        #expect(try assembler.push(.continuation, fin: true, [euro[2], 0x22]) == [0x22] + euro + [0x22])
        // Binary is not checked for UTF-8.
        #expect(try assembler.push(.binary, fin: true, [0xFF]) == [0xFF])
        // Fragments add up against the limit.
        _ = try assembler.push(.text, fin: false, [UInt8](repeating: 0x61, count: 40))
        #expect(throws: MessageAssembler.Failure.tooLarge) { try assembler.push(.continuation, fin: true, [UInt8](repeating: 0x61, count: 40)) }
    }

    // MARK: AddressCounts

    @Test func eachAddressGetsItsLimitAndAReleaseFreesASlot() {
        var counts = AddressCounts(limit: 2)
        let r11 = counts.admit("10.0.0.1")
        #expect(r11)
        let r12 = counts.admit("10.0.0.1")
        #expect(r12)
        let r13 = counts.admit("10.0.0.1")
        #expect(!r13)
        let r14 = counts.admit("10.0.0.2")
        #expect(r14)
        counts.release("10.0.0.1")
        let r15 = counts.admit("10.0.0.1")
        #expect(r15)
        counts.release("10.0.0.2")
        #expect(counts.counts["10.0.0.2"] == nil)
        var unlimited = AddressCounts(limit: 0)
        var admitted = 0
        for _ in 0..<10_000 where unlimited.admit("10.0.0.1") { admitted += 1 }
        #expect(admitted == 10_000)
    }

    // MARK: configuration

    @Test func limitsAreReadFromTheEnvironment() throws {
        let defaults = try WSLimits(environment: EnvironmentReader([:]))
        #expect(defaults == WSLimits())
        let set = try WSLimits(
            environment: EnvironmentReader([
                "MEET_WS_INBOUND_QUEUE_MESSAGES": "4", "MEET_WS_INBOUND_QUEUE_BYTES": "4096", "MEET_WS_OUTBOUND_QUEUE_MESSAGES": "64",
                "MEET_WS_OUTBOUND_QUEUE_BYTES": "100000", "MEET_WS_WRITE_TIMEOUT_SECONDS": "3",
                "MEET_WS_HANDSHAKE_TIMEOUT_SECONDS": "4", "MEET_WS_MAX_CONNECTIONS_PER_ADDRESS": "0",
                "MEET_WS_JOIN_TIMEOUT_SECONDS": "5", "MEET_WS_PING_INTERVAL_SECONDS": "6",
                "MEET_WS_BUS_BUFFER_MESSAGES": "128", "MEET_WS_SFU_MAX_IN_FLIGHT": "7",
            ]))
        #expect(set.mailbox == MailboxLimits(frames: 4, frameBytes: 4096, events: 64, eventBytes: 100_000))
        #expect(set.connections == ConnectionLimits(handshakeTimeout: .seconds(4), writeTimeout: .seconds(3), perAddress: 0))
        #expect(set.joinTimeout == .seconds(5))
        #expect(set.pingInterval == .seconds(6))
        #expect(set.busBufferMessages == 128)
        #expect(set.sfuMaxInFlight == 7)
        #expect(throws: ConfigurationError.self) { try WSLimits(environment: EnvironmentReader(["MEET_WS_JOIN_TIMEOUT_SECONDS": "0"])) }
    }

    /// A full board goes to a late joiner in one frame: limits whose full
    /// board would not fit a socket's outbound queue are refused at start.
    @Test func whiteboardLimitsMustFitTheOutboundQueue() throws {
        try WhiteboardLimits().check(outboundQueueBytes: WSLimits().mailbox.eventBytes)
        let big = WhiteboardLimits(maxOps: 20_000, maxBytes: 3 << 20)
        #expect(big.largestState > 4 << 20)
        #expect(throws: ConfigurationError.self) { try big.check(outboundQueueBytes: 4 << 20) }
        try big.check(outboundQueueBytes: 8 << 20)
    }

    @Test func inFlightLimiterRefusesPastItsCeiling() {
        let limiter = InFlightLimiter(limit: 2)
        #expect(limiter.acquire() == 1)
        #expect(limiter.acquire() == 2)
        #expect(limiter.acquire() == nil)
        #expect(limiter.release() == 1)
        #expect(limiter.acquire() == 2)
    }

    // MARK: sessions

    /// The replica's services with `limits` (the in-memory cluster's own are the defaults).
    static func services(_ cluster: InMemoryReplicas, limits: WSLimits) -> SignalingServices {
        let base = cluster.replicas[0]
        var configuration = base.configuration
        configuration.limits = limits
        return SignalingServices(
            configuration: configuration, hub: base.hub, bus: base.bus, presence: base.presence,
            participants: base.participants, sfu: base.sfu, metrics: base.metrics, logger: base.logger)
    }

    @Test func aSessionWhoseEventsOverflowClosesTooSlow() async throws {
        let cluster = try await InMemoryReplicas(count: 1)
        defer { cluster.stop() }
        let services = Self.services(cluster, limits: WSLimits(mailbox: MailboxLimits(frames: 2, events: 16, eventBytes: 1 << 20)))
        let socket = FakeSocket(name: "slow")
        let identity = SessionIdentity(
            meetingId: UUID(), meetingCode: "unit", participantId: UUID(), role: .attendee, displayName: "slow", userId: nil)
        let session = Session(identity: identity, services: services, writer: socket)
        socket.mailbox = session.mailbox
        // The session is behind (not running yet) while its room keeps talking.
        for _ in 0..<17 { session.mailbox.deliver(Self.roomEvent()) }
        #expect(session.mailbox.queued == 1)
        let run = Task { await session.run() }
        await run.value
        #expect(socket.closeCode == CloseCode.tooSlow)
    }

    @Test func aSocketWithoutJoinIsClosedAtTheDeadlineAndAJoinedOneIsNot() async throws {
        let cluster = try await InMemoryReplicas(count: 1)
        defer { cluster.stop() }
        let meeting = UUID()
        let silent = await cluster.connect(replica: 0, meetingId: meeting, name: "silent")
        silent.mailbox?.deliver(.joinDeadline)
        try await cluster.settle()
        #expect(silent.closeCode == CloseCode.joinTimeout)

        let joined = await cluster.connect(replica: 0, meetingId: meeting, name: "joined")
        await joined.send(.join, id: "j")
        try await joined.waitFor("joined")
        joined.mailbox?.deliver(.joinDeadline)
        await joined.send(.ping(PingData(nonce: "n")), id: "p")
        try await joined.waitFor("pong")
        #expect(joined.closeCode == nil)
    }
}
