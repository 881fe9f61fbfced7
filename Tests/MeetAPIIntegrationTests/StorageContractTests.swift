import Foundation
import MeetCore
import MeetProtocol
import PostgresNIO
import Testing
@testable import MeetAPI
import MeetWS

/// The repositories' contract, run against both storages: the PostgreSQL
/// adapters the service uses and the in-memory ones the unit tests use.
/// What passes here for both is what lets MeetAPITests run on memory.
@Suite("Storage contract: PostgreSQL and memory alike")
struct StorageContractTests {
    enum Backend: String, CaseIterable, Sendable {
        case memory
        case postgres
    }

    /// What a kick in meet-ws does (the participant banned by what its join
    /// stored), which is not meet-api's to do, per backend: meet-ws's own
    /// store on PostgreSQL, its in-memory model on memory.
    typealias Kick = @Sendable (_ participantId: UUID, _ by: UUID) async throws -> Void

    static func withStorage(_ backend: Backend, _ body: @Sendable (APIStorage, Kick) async throws -> Void) async throws {
        switch backend {
        case .memory:
            let store = MemoryStore()
            try await body(.memory(store)) { participantId, by in
                await MemoryParticipantRepository(store: store).kick(participantId: participantId, by: by)
            }
        case .postgres:
            try await IntegrationDatabase.withDatabase { database in
                try await body(.postgres(database, migrate: false)) { participantId, by in
                    try await PostgresParticipantStore(database: database).kick(participantId: participantId, by: by)
                }
            }
        }
    }

    static func email() -> String { "contract-\(UUID().uuidString.prefix(8).lowercased())@example.com" }
    static func code() -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        let pick = { (n: Int) in String((0..<n).map { _ in letters.randomElement()! }) }
        return "\(pick(3))-\(pick(4))-\(pick(3))"
    }

    static func meeting(_ storage: APIStorage, owner: UUID, capacity: Int? = nil) async throws -> MeetingRecord {
        try await storage.meetings.create(
            NewMeeting(code: Self.code(), title: "Contract", passwordHash: nil, waitingRoom: false, capacity: capacity, ownerId: owner))
    }

    static func guest(_ meeting: MeetingRecord, address: String = "192.0.2.1", device: String? = nil) -> NewParticipant {
        NewParticipant(
            id: UUID(), meetingId: meeting.id, userId: nil, guestId: UUID(), displayName: "Guest", role: .attendee,
            status: .joining, origin: JoinOrigin(address: address, deviceId: device))
    }

    @Test("users: unique emails, found by id and email, updated field by field", arguments: Backend.allCases)
    func users(_ backend: Backend) async throws {
        try await Self.withStorage(backend) { storage, _ in
            let email = Self.email()
            let user = try await storage.users.create(email: email, passwordHash: "h1", displayName: "Ann")
            await #expect(throws: RepositoryError.emailTaken) {
                try await storage.users.create(email: email, passwordHash: "h2", displayName: "Other")
            }
            #expect(try await storage.users.find(id: user.id)?.email == email)
            #expect(try await storage.users.find(email: email)?.id == user.id)
            let renamed = try await storage.users.update(id: user.id, displayName: "Anna", passwordHash: nil)
            #expect(renamed?.displayName == "Anna")
            #expect(renamed?.passwordHash == "h1")
            #expect(try await storage.users.update(id: UUID(), displayName: "x", passwordHash: nil) == nil)
        }
    }

    @Test("refresh tokens: rotation, reuse revokes the family, revoke all", arguments: Backend.allCases)
    func refreshTokens(_ backend: Backend) async throws {
        try await Self.withStorage(backend) { storage, _ in
            let user = try await storage.users.create(email: Self.email(), passwordHash: "h", displayName: "R")
            let tokens = storage.refreshTokens
            let later = Date().addingTimeInterval(3600)
            let first = "t1-\(UUID())", second = "t2-\(UUID())", third = "t3-\(UUID())"
            try await tokens.issue(userId: user.id, familyId: UUID(), tokenHash: first, expiresAt: later)
            #expect(try await tokens.rotate(tokenHash: first, newTokenHash: second, newExpiresAt: later) == .rotated(userId: user.id))
            #expect(try await tokens.rotate(tokenHash: first, newTokenHash: third, newExpiresAt: later) == .reused)
            #expect(try await tokens.rotate(tokenHash: second, newTokenHash: third, newExpiresAt: later) == .invalid)
            #expect(try await tokens.rotate(tokenHash: "unknown-\(UUID())", newTokenHash: third, newExpiresAt: later) == .invalid)

            let expired = "t4-\(UUID())"
            try await tokens.issue(userId: user.id, familyId: UUID(), tokenHash: expired, expiresAt: Date().addingTimeInterval(-1))
            #expect(try await tokens.rotate(tokenHash: expired, newTokenHash: third, newExpiresAt: later) == .invalid)

            let fresh = "t5-\(UUID())"
            try await tokens.issue(userId: user.id, familyId: UUID(), tokenHash: fresh, expiresAt: later)
            #expect(try await tokens.revokeFamily(tokenHash: fresh))
            #expect(try await tokens.revokeFamily(tokenHash: fresh) == false)
            let other = "t6-\(UUID())"
            try await tokens.issue(userId: user.id, familyId: UUID(), tokenHash: other, expiresAt: later)
            try await tokens.revokeAll(userId: user.id)
            #expect(try await tokens.rotate(tokenHash: other, newTokenHash: third, newExpiresAt: later) == .invalid)
        }
    }

    @Test("meetings: owner member, newest first with a cursor, update and end while active", arguments: Backend.allCases)
    func meetings(_ backend: Backend) async throws {
        try await Self.withStorage(backend) { storage, _ in
            let owner = try await storage.users.create(email: Self.email(), passwordHash: "h", displayName: "O")
            let first = try await Self.meeting(storage, owner: owner.id)
            let second = try await Self.meeting(storage, owner: owner.id)
            let third = try await Self.meeting(storage, owner: owner.id)
            await #expect(throws: RepositoryError.codeTaken) {
                try await storage.meetings.create(
                    NewMeeting(code: first.code, title: "Dup", passwordHash: nil, waitingRoom: false, capacity: nil, ownerId: owner.id))
            }
            #expect(try await storage.members.role(meetingId: first.id, userId: owner.id) == .owner)
            #expect(try await storage.meetings.find(code: second.code) == second)

            let page = try await storage.meetings.list(memberId: owner.id, after: nil, limit: 2)
            #expect(page.map(\.0.id) == [third.id, second.id])
            #expect(page.allSatisfy { $0.1 == .owner })
            #expect(try await storage.meetings.list(memberId: owner.id, after: second.id, limit: 2).map(\.0.id) == [first.id])

            var changes = MeetingChanges()
            changes.title = "Renamed"
            changes.capacity = .set(5)
            changes.passwordHash = .set("hash")
            let updated = try await storage.meetings.update(id: first.id, changes: changes)
            #expect(updated?.title == "Renamed")
            #expect(updated?.capacity == 5)
            #expect(updated?.passwordHash == "hash")
            changes = MeetingChanges()
            changes.capacity = .clear
            #expect(try await storage.meetings.update(id: first.id, changes: changes)?.capacity == nil)

            let seat = try await storage.participants.admit(Self.guest(first), liveWindow: .seconds(300))
            guard case .admitted(let guest) = seat else { Issue.record("not admitted: \(seat)"); return }
            #expect(try await storage.meetings.end(id: first.id))
            #expect(try await storage.meetings.end(id: first.id) == false)
            #expect(try await storage.meetings.update(id: first.id, changes: MeetingChanges()) == nil)
            #expect(try await storage.meetings.find(code: first.code)?.status == .ended)
            #expect(try await storage.participants.find(id: guest.id)?.status == .left)
            #expect(try await storage.participants.admit(Self.guest(first), liveWindow: .seconds(300)) == .ended)
        }
    }

    @Test("members: added once, known users only, role changes reach live seats", arguments: Backend.allCases)
    func members(_ backend: Backend) async throws {
        try await Self.withStorage(backend) { storage, _ in
            let owner = try await storage.users.create(email: Self.email(), passwordHash: "h", displayName: "O")
            let cohost = try await storage.users.create(email: Self.email(), passwordHash: "h", displayName: "C")
            let meeting = try await Self.meeting(storage, owner: owner.id)
            let added = try await storage.members.add(meetingId: meeting.id, userId: cohost.id, role: .attendee)
            #expect(added.email == cohost.email)
            await #expect(throws: RepositoryError.alreadyMember) {
                try await storage.members.add(meetingId: meeting.id, userId: cohost.id, role: .host)
            }
            await #expect(throws: RepositoryError.userNotFound) {
                try await storage.members.add(meetingId: meeting.id, userId: UUID(), role: .host)
            }
            #expect(try await storage.members.list(meetingId: meeting.id).map(\.userId) == [owner.id, cohost.id])

            let joined = try await storage.participants.admit(
                NewParticipant(
                    id: UUID(), meetingId: meeting.id, userId: cohost.id, guestId: nil, displayName: "C", role: .attendee,
                    status: .joining, origin: JoinOrigin(address: "192.0.2.9", deviceId: nil)),
                liveWindow: .seconds(300))
            guard case .admitted(let seat) = joined else { Issue.record("not admitted: \(joined)"); return }
            #expect(try await storage.members.updateRole(meetingId: meeting.id, userId: cohost.id, role: .host)?.role == .host)
            try await storage.seats.refreshRole(meetingId: meeting.id, userId: cohost.id)
            #expect(try await storage.participants.find(id: seat.id)?.role == .host)

            #expect(try await storage.members.remove(meetingId: meeting.id, userId: cohost.id))
            #expect(try await storage.members.remove(meetingId: meeting.id, userId: cohost.id) == false)
            #expect(try await storage.members.updateRole(meetingId: meeting.id, userId: cohost.id, role: .host) == nil)
            try await storage.seats.refreshRole(meetingId: meeting.id, userId: cohost.id)
            #expect(try await storage.participants.find(id: seat.id)?.role == .attendee)
        }
    }

    @Test("participants: capacity counts live seats, hosts pass it, unknown meetings are not found", arguments: Backend.allCases)
    func capacity(_ backend: Backend) async throws {
        try await Self.withStorage(backend) { storage, _ in
            let owner = try await storage.users.create(email: Self.email(), passwordHash: "h", displayName: "O")
            let meeting = try await Self.meeting(storage, owner: owner.id, capacity: 2)
            let window = Duration.seconds(300)
            var admitted: [UUID] = []
            for _ in 0..<2 {
                guard case .admitted(let record) = try await storage.participants.admit(Self.guest(meeting), liveWindow: window) else {
                    Issue.record("a seat below the capacity was refused")
                    return
                }
                admitted.append(record.id)
            }
            #expect(try await storage.participants.admit(Self.guest(meeting), liveWindow: window) == .full)
            var host = Self.guest(meeting)
            host.role = .host
            guard case .admitted = try await storage.participants.admit(host, liveWindow: window) else {
                Issue.record("a host was refused past the capacity")
                return
            }
            #expect(try await storage.participants.listLive(meetingId: meeting.id, liveWindow: window).map(\.id) == admitted + [host.id])
            var lost = Self.guest(meeting)
            lost.meetingId = UUID()
            #expect(try await storage.participants.admit(lost, liveWindow: window) == .notFound)
            #expect(try await storage.participants.find(id: UUID()) == nil)
            #expect(try await storage.participants.messages(
                meetingId: meeting.id, matching: nil, before: nil, limit: 10, viewer: MessageViewer(participantId: nil, userId: owner.id, isHost: true)
            ).isEmpty)
        }
    }

    @Test("bans: a join stores its origin with the seat, and a kick bans by it", arguments: Backend.allCases)
    func bans(_ backend: Backend) async throws {
        try await Self.withStorage(backend) { storage, kick in
            let owner = try await storage.users.create(email: Self.email(), passwordHash: "h", displayName: "O")
            let member = try await storage.users.create(email: Self.email(), passwordHash: "h", displayName: "M")
            let meeting = try await Self.meeting(storage, owner: owner.id)
            let origin = JoinOrigin(address: "198.51.100.7", deviceId: "device-0001")
            let guest = Self.guest(meeting, address: origin.address, device: origin.deviceId)
            _ = try await storage.participants.admit(guest, liveWindow: .seconds(300))
            var account = Self.guest(meeting, address: "198.51.100.8")
            account.userId = member.id
            account.guestId = nil
            _ = try await storage.participants.admit(account, liveWindow: .seconds(300))
            #expect(try await storage.bans.isBanned(meetingId: meeting.id, userId: nil, origin: origin) == false)

            try await kick(guest.id, owner.id)
            try await kick(account.id, owner.id)
            let bans = storage.bans
            #expect(try await bans.isBanned(meetingId: meeting.id, userId: nil, origin: origin))
            #expect(try await bans.isBanned(meetingId: meeting.id, userId: nil, origin: .init(address: "203.0.113.1", deviceId: "device-0001")))
            #expect(try await bans.isBanned(meetingId: meeting.id, userId: nil, origin: .init(address: origin.address, deviceId: nil)))
            #expect(try await bans.isBanned(meetingId: meeting.id, userId: nil, origin: .init(address: "203.0.113.1", deviceId: nil)) == false)
            #expect(try await bans.isBanned(meetingId: meeting.id, userId: member.id, origin: .init(address: "203.0.113.1", deviceId: nil)))
            #expect(try await bans.isBanned(meetingId: meeting.id, userId: owner.id, origin: origin) == false)

            let listed = try await bans.list(meetingId: meeting.id)
            #expect(Set(listed.map(\.guest)) == [true, false])
            #expect(listed.allSatisfy { $0.bannedBy == owner.id })
            #expect(try await bans.remove(meetingId: meeting.id, banId: listed[0].id))
            #expect(try await bans.remove(meetingId: meeting.id, banId: listed[0].id) == false)
            #expect(try await bans.list(meetingId: meeting.id).count == 1)
        }
    }
}
