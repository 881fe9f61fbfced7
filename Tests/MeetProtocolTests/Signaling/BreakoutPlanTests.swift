import Foundation
import MeetProtocol
import Testing

/// The breakout plan's rules, sans I/O (issue #21 item 5; docs/signaling.md,
/// Breakout rooms): assignment by hand and automatically, opening with a
/// timer, the countdown back, and who is in which room when.
@Suite struct BreakoutPlanTests {
    let meeting = UUID()
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func plan(rooms: Int) throws -> BreakoutPlan {
        var plan = BreakoutPlan(meetingId: self.meeting)
        try plan.create((1...rooms).map { BreakoutRoom(name: "Room \($0)") })
        return plan
    }

    @Test func autoAssignFillsTheEmptiestRoomAndKeepsHandAssignments() throws {
        var plan = try self.plan(rooms: 3)
        let people = (0..<7).map { _ in UUID() }
        try plan.assign(people[0], to: plan.rooms[2].id)
        try plan.autoAssign(people.map { (id: $0, name: String?.none) })
        let sizes = plan.rooms.map { room in plan.assignments.filter { $0.roomId == room.id }.count }
        #expect(sizes.sorted() == [2, 2, 3] && plan.assignments.count == 7)
        #expect(plan.room(of: people[0]) == plan.rooms[2].id)
        // Nobody is in a room before they open.
        #expect(people.allSatisfy { plan.scope(of: $0) == nil })
    }

    @Test func aTimerClosesTheRoomsAndTheCountdownBringsEveryoneBack() throws {
        var plan = try self.plan(rooms: 2)
        let alice = UUID()
        try plan.assign(alice, to: plan.rooms[1].id)
        try plan.open(now: self.t0, duration: .seconds(120))
        #expect(plan.scope(of: alice) == plan.rooms[1].id && plan.scope(of: UUID()) == nil)
        #expect(plan.nextDeadline == self.t0.addingTimeInterval(120))
        var moved = plan.tick(now: self.t0.addingTimeInterval(119), countdown: .seconds(15))
        #expect(!moved)
        moved = plan.tick(now: self.t0.addingTimeInterval(120), countdown: .seconds(15))
        #expect(moved)
        #expect(plan.status == .closing && plan.scope(of: alice) == plan.rooms[1].id)  // still in the room during the countdown
        #expect(plan.nextDeadline == self.t0.addingTimeInterval(135))
        moved = plan.tick(now: self.t0.addingTimeInterval(134), countdown: .seconds(15))
        #expect(!moved)
        let revision = plan.revision
        moved = plan.tick(now: self.t0.addingTimeInterval(135), countdown: .seconds(15))
        #expect(moved)
        #expect(plan.status == .closed && plan.scope(of: alice) == nil && plan.nextDeadline == nil && plan.revision == revision + 1)
        moved = plan.tick(now: self.t0.addingTimeInterval(999), countdown: .seconds(15))
        #expect(!moved)
    }

    @Test func aHostClosesWithACountdownAndMovesPeopleWhileOpen() throws {
        var plan = try self.plan(rooms: 2)
        let (alice, host) = (UUID(), UUID())
        try plan.assign(alice, to: plan.rooms[0].id)
        try plan.open(now: self.t0, duration: nil)
        #expect(plan.nextDeadline == nil)
        try plan.assign(host, to: plan.rooms[0].id)  // a visit
        #expect(plan.scope(of: host) == plan.scope(of: alice))
        try plan.assign(alice, to: nil)
        #expect(plan.scope(of: alice) == nil)
        try plan.close(now: self.t0, countdown: .zero)
        let moved = plan.tick(now: self.t0, countdown: .seconds(15))
        #expect(moved && plan.status == .closed)
    }

    @Test func outOfTurnAndOutOfBoundsAreRefused() throws {
        var empty = BreakoutPlan(meetingId: self.meeting)
        #expect(throws: BreakoutRefusal.self) { try empty.open(now: self.t0, duration: nil) }
        #expect(throws: BreakoutRefusal.self) { try empty.assign(UUID(), to: UUID()) }
        #expect(throws: BreakoutRefusal.self) { try empty.create([]) }
        #expect(throws: BreakoutRefusal.self) {
            try empty.create((0...BreakoutLimits.maxRooms).map { BreakoutRoom(name: "\($0)") })
        }
        var plan = try self.plan(rooms: 1)
        #expect(throws: BreakoutRefusal(.notFound, "no such breakout room")) { try plan.assign(UUID(), to: UUID()) }
        #expect(throws: BreakoutRefusal.self) { try plan.close(now: self.t0, countdown: .zero) }
        #expect(throws: BreakoutRefusal.self) { try plan.open(now: self.t0, duration: .seconds(1)) }
        try plan.open(now: self.t0, duration: nil)
        #expect(throws: BreakoutRefusal.self) { try plan.open(now: self.t0, duration: nil) }
        #expect(throws: BreakoutRefusal.self) { try plan.create([BreakoutRoom(name: "again")]) }
        #expect(throws: BreakoutRefusal.self) { try plan.close(now: self.t0, countdown: .seconds(BreakoutLimits.maxCountdownSeconds + 1)) }
    }

    @Test func requestFieldsAreCheckedBeforeAnyIO() throws {
        #expect(BreakoutCommand.create(BreakoutCreate(count: 3)).problem == nil)
        #expect(BreakoutCommand.create(BreakoutCreate(count: 3, names: ["a"])).problem != nil)
        #expect(BreakoutCommand.create(BreakoutCreate(names: [" "])).problem != nil)
        #expect(BreakoutCommand.open(BreakoutOpen(durationSeconds: 59)).problem != nil)
        #expect(BreakoutCommand.close(BreakoutClose(countdownSeconds: -1)).problem != nil)
        #expect(BreakoutCommand.broadcast(BreakoutBroadcastSend(text: String(repeating: "x", count: 501))).problem != nil)
        #expect(BreakoutCreate(count: 2).roomNames == ["Room 1", "Room 2"])
        let frame = SignalingCodec.encode(ClientEnvelope(id: "1", .breakout(.assign(BreakoutAssign(participantId: self.meeting, roomId: nil)))))
        #expect(try SignalingCodec.decodeClient(Data(frame.utf8)).message == .breakout(.assign(BreakoutAssign(participantId: self.meeting, roomId: nil))))
        #expect(try SignalingCodec.decodeClient(Data(#"{"type":"breakout-close"}"#.utf8)).message == .breakout(.close(BreakoutClose())))
    }
}
