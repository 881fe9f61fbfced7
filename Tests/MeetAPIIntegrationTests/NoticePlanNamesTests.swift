import Foundation
import Logging
import MeetProtocol
import Testing
@testable import MeetAPI

/// The outbox's plan reads the names it greets invitees with, and the
/// organizer, in one query per batch (docs/scheduling.md, "Email and
/// calendars"): before, each invitee's account was read on its own, so a
/// change to a meeting with 500 invitations made 501 round trips before its
/// transaction.
@Suite("Notice plan: the invitees' names in one query")
struct NoticePlanNamesTests {
    /// Counts the user look-ups that reach the wrapped repository.
    struct CountingUsers: UserRepository {
        let base: any UserRepository
        let calls = Calls()

        actor Calls {
            var single = 0
            var batches: [Set<UUID>] = []
            func one() { self.single += 1 }
            func batch(_ ids: Set<UUID>) { self.batches.append(ids) }
        }

        func create(email: String, passwordHash: String, displayName: String) async throws -> UserRecord {
            try await self.base.create(email: email, passwordHash: passwordHash, displayName: displayName)
        }
        func find(id: UUID) async throws -> UserRecord? {
            await self.calls.one()
            return try await self.base.find(id: id)
        }
        func find(ids: Set<UUID>) async throws -> [UUID: UserRecord] {
            await self.calls.batch(ids)
            return try await self.base.find(ids: ids)
        }
        func find(email: String) async throws -> UserRecord? { try await self.base.find(email: email) }
        func update(id: UUID, displayName: String?, passwordHash: String?) async throws -> UserRecord? {
            try await self.base.update(id: id, displayName: displayName, passwordHash: passwordHash)
        }
    }

    @Test("one query for every invitee's name and the organizer", arguments: StorageContractTests.Backend.allCases)
    func oneQuery(_ backend: StorageContractTests.Backend) async throws {
        try await StorageContractTests.withStorage(backend) { storage, _ in
            let owner = try await storage.users.create(email: StorageContractTests.email(), passwordHash: "h", displayName: "Olga Owner")
            let meeting = try await StorageContractTests.meeting(storage, owner: owner.id)
            var invitees: [UserRecord] = []
            for index in 0..<6 {
                let invitee = try await storage.users.create(
                    email: StorageContractTests.email(), passwordHash: "h", displayName: "Invitee \(index)")
                invitees.append(invitee)
                _ = try await storage.invitations.invite(
                    NewInvitation(meetingId: meeting.id, email: invitee.email, userId: invitee.id, role: .attendee, invitedBy: owner.id),
                    notices: { _ in Outbox() })
            }
            // An address without an account: no name to read.
            _ = try await storage.invitations.invite(
                NewInvitation(
                    meetingId: meeting.id, email: StorageContractTests.email(), userId: nil, role: .attendee, invitedBy: owner.id,
                    secretHash: "x"),
                notices: { _ in Outbox() })
            let unknown = UUID()

            var counted = storage
            let users = CountingUsers(base: storage.users)
            counted.users = users
            let notices = MeetingNotices(
                storage: counted, composer: EmailComposer(from: "m@x.org", publicURL: "https://x"), emailEnabled: true,
                logger: Logger(label: "test"))
            let plan = try await notices.plan(meeting, by: owner, audience: true, naming: [unknown, nil])

            #expect(await users.calls.single == 0)
            let batches = await users.calls.batches
            #expect(batches.count == 1)
            #expect(batches.first == Set(invitees.map(\.id) + [owner.id, unknown]))
            for invitee in invitees {
                #expect(plan.names[invitee.id] == invitee.displayName)
            }
            #expect(plan.names[unknown] == nil)
            #expect(plan.organizer == EmailComposer.Recipient(email: owner.email, name: "Olga Owner"))
            #expect(plan.invitations.count == 7)

            // Email off: nothing is read for greetings at all.
            let quiet = MeetingNotices(
                storage: counted, composer: EmailComposer(from: "m@x.org", publicURL: "https://x"), emailEnabled: false,
                logger: Logger(label: "test"))
            _ = try await quiet.plan(meeting, by: owner, audience: true)
            #expect(await users.calls.batches.count == 1)
            #expect(await users.calls.single == 0)
        }
    }

    @Test("find(ids:) answers the accounts that exist, and nothing for an empty set", arguments: StorageContractTests.Backend.allCases)
    func findIds(_ backend: StorageContractTests.Backend) async throws {
        try await StorageContractTests.withStorage(backend) { storage, _ in
            let ann = try await storage.users.create(email: StorageContractTests.email(), passwordHash: "h", displayName: "Ann")
            let bob = try await storage.users.create(email: StorageContractTests.email(), passwordHash: "h", displayName: "Bob")
            let found = try await storage.users.find(ids: [ann.id, bob.id, UUID()])
            #expect(found.count == 2)
            #expect(found[ann.id] == ann)
            #expect(found[bob.id]?.displayName == "Bob")
            #expect(try await storage.users.find(ids: []).isEmpty)
        }
    }
}
