import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MeetCore
import MeetDatabase
import MeetProtocol
import NIOCore
import PostgresNIO
import Testing
@testable import MeetAPI

/// A change and what it tells people (notifications, email jobs) commit
/// together (the transactional outbox, docs/scheduling.md "Email and
/// calendars"), through meet-api's routes on PostgreSQL.
///
/// The failure is real and lands where a crash would: a trigger makes
/// PostgreSQL refuse this test's email jobs, after the change's own
/// statements ran and before anything commits. Before the outbox the change
/// committed first and its email was queued afterwards, so the schedule and
/// the invitation stayed with no email (and the notifications too).
@Suite("Outbox: a change and its notices commit together")
struct OutboxTests {
    @Test("a failure after the change and before the commit leaves neither; a committed change always has its email")
    func changeAndNoticesTogether() async throws {
        let marker = "outbox\(UUID().uuidString.prefix(8).lowercased())"
        try await IntegrationDatabase.withDatabase { database in
            do {
                try await Self.run(marker: marker, database: database)
            } catch {
                try? await Self.failJobs(of: marker, database, false)
                throw error
            }
            try await Self.failJobs(of: marker, database, false)
        }
    }

    struct Injected: Error {}

    /// The repositories' side, on both storages: an outbox that cannot be
    /// composed stops the change (the memory adapters compose it before
    /// touching their tables); a committed change stores its outbox and
    /// answers the notifications it stored, for the live push.
    @Test("a change whose outbox fails is not made; a committed one stores its outbox", arguments: StorageContractTests.Backend.allCases)
    func repositories(_ backend: StorageContractTests.Backend) async throws {
        try await StorageContractTests.withStorage(backend) { storage, _ in
            let owner = try await storage.users.create(email: StorageContractTests.email(), passwordHash: "h", displayName: "Owner")
            let member = try await storage.users.create(email: StorageContractTests.email(), passwordHash: "h", displayName: "Member")
            let meeting = try await StorageContractTests.meeting(storage, owner: owner.id)
            let start = Date(timeIntervalSince1970: 4_200_000_000)
            let schedule = NewSchedule(startsAt: start, endsAt: start.addingTimeInterval(1800), timeZone: "UTC", description: nil, rule: nil)
            await #expect(throws: Injected.self) {
                try await storage.schedules.save(meetingId: meeting.id, schedule, notices: { _ in throw Injected() })
            }
            #expect(try await storage.schedules.find(meetingId: meeting.id) == nil)
            let invitation = NewInvitation(meetingId: meeting.id, email: member.email, userId: member.id, role: .attendee, invitedBy: owner.id)
            await #expect(throws: Injected.self) {
                try await storage.invitations.invite(invitation, notices: { _ in throw Injected() })
            }
            #expect(try await storage.invitations.list(meetingId: meeting.id).isEmpty)

            let kind = "outbox-\(UUID().uuidString.prefix(8).lowercased())"
            let note = NewNotification(
                userId: member.id, kind: "schedule_changed", meetingId: meeting.id, title: "Changed", body: "b", dedupeKey: nil)
            let committed = try await storage.schedules.save(
                meetingId: meeting.id, schedule,
                notices: { _ in Outbox(notifications: [note], jobs: [NewJob(kind: kind, payload: Data("{}".utf8))]) })
            #expect(committed.value.startsAt == start)
            #expect(committed.stored.map(\.userId) == [member.id])
            #expect(committed.stored.first?.notification.meetingCode == meeting.code)
            let listed = try await storage.notifications.list(userId: member.id, after: nil, unreadOnly: false, limit: 10)
            #expect(listed.map(\.id) == committed.stored.map(\.notification.id))
            let jobs = try await storage.jobs.claim(worker: "t", kinds: [kind], limit: 5, lease: .seconds(60), now: Date().addingTimeInterval(1))
            #expect(jobs.count == 1)
        }
    }

    private static func run(marker: String, database: Database) async throws {
        try await IntegrationDatabase.runApp({
            // Email on (the jobs are queued), to a port where nobody listens; the worker just retries.
            $0.email = try! EmailConfiguration(
                environment: EnvironmentReader(["MEET_SMTP_HOST": "127.0.0.1", "MEET_SMTP_PORT": "9", "MEET_JOBS_POLL_MS": "60000"]))
        }) { client in
            let api = Client(client: client)
            let ann = try await api.register("Ann")
            let bob = try await api.register("Bob")
            let meeting = try await api.json(
                .post, "/v1/meetings", #"{"title":"Sync \#(marker)"}"#, token: ann.accessToken, as: MeetingResponse.self)
            let base = "/v1/meetings/\(meeting.code)"

            // Committed: the invitation has its email job and its notification.
            let invited = try await api.send(.post, "\(base)/invitations", #"{"userId":"\#(bob.user.id)"}"#, token: ann.accessToken)
            #expect(invited.status == .created)
            #expect(try await Self.jobs(of: marker, database) == 1)
            #expect(try await api.notificationKinds(bob, code: meeting.code) == ["invitation"])

            // From now on PostgreSQL refuses this meeting's email jobs, inside each change's transaction.
            try await Self.failJobs(of: marker, database, true)
            let schedule = #"{"startsAt":"2031-03-03T09:00:00Z","endsAt":"2031-03-03T10:00:00Z","timeZone":"UTC"}"#
            let refused = try await api.send(.put, "\(base)/schedule", schedule, token: ann.accessToken)
            #expect(refused.status.code >= 500)
            #expect(try await api.send(.get, "\(base)/schedule", nil, token: ann.accessToken).status == .conflict, "the schedule rolled back")
            let refusedInvite = try await api.send(
                .post, "\(base)/invitations", #"{"email":"carol-\#(marker)@example.com"}"#, token: ann.accessToken)
            #expect(refusedInvite.status.code >= 500)
            let listed = try await api.json(.get, "\(base)/invitations", nil, token: ann.accessToken, as: InvitationListResponse.self)
            #expect(listed.items.map(\.email) == [bob.user.email], "the address invitation rolled back")
            let invitationId = try #require(listed.items.first?.id)
            let refusedRevoke = try await api.send(.delete, "\(base)/invitations/\(invitationId)", nil, token: ann.accessToken)
            #expect(refusedRevoke.status.code >= 500)
            #expect(
                try await api.json(.get, "\(base)/invitations", nil, token: ann.accessToken, as: InvitationListResponse.self).items.count == 1,
                "the withdrawal rolled back")
            #expect(try await Self.jobs(of: marker, database) == 1)
            #expect(try await api.notificationKinds(bob, code: meeting.code) == ["invitation"], "no notification of what rolled back")

            // Once PostgreSQL takes them again, the same change commits with its email and notification.
            try await Self.failJobs(of: marker, database, false)
            #expect(try await api.send(.put, "\(base)/schedule", schedule, token: ann.accessToken).status == .ok)
            #expect(try await Self.jobs(of: marker, database) == 2)
            #expect(try await api.notificationKinds(bob, code: meeting.code) == ["schedule_changed", "invitation"])
        }
    }

    /// The email jobs that name `marker` (the meeting's title is in every message).
    private static func jobs(of marker: String, _ database: Database) async throws -> Int64 {
        let rows = try await database.query("SELECT count(*) AS total FROM jobs WHERE payload::text LIKE \("%\(marker)%")")
        return try RowColumns(rows[0]).decode("total", as: Int64.self)
    }

    /// Makes PostgreSQL refuse (`on`) or take again the jobs that name
    /// `marker`; other tests' jobs in the shared database pass.
    private static func failJobs(of marker: String, _ database: Database, _ on: Bool) async throws {
        let function = "outbox_test_refuse_\(marker)"
        if on {
            _ = try await database.query(
                PostgresQuery(
                    unsafeSQL: """
                        CREATE OR REPLACE FUNCTION \(function)() RETURNS trigger LANGUAGE plpgsql AS
                        $$ BEGIN RAISE EXCEPTION 'injected failure before commit'; END $$
                        """))
            _ = try await database.query(
                PostgresQuery(
                    unsafeSQL: """
                        CREATE TRIGGER \(function) BEFORE INSERT ON jobs FOR EACH ROW
                        WHEN (NEW.payload::text LIKE '%\(marker)%') EXECUTE FUNCTION \(function)()
                        """))
        } else {
            _ = try await database.query(PostgresQuery(unsafeSQL: "DROP TRIGGER IF EXISTS \(function) ON jobs"))
            _ = try await database.query(PostgresQuery(unsafeSQL: "DROP FUNCTION IF EXISTS \(function)()"))
        }
    }

    /// JSON over Hummingbird's router test client.
    struct Client: Sendable {
        let client: any TestClientProtocol

        func send(_ method: HTTPRequest.Method, _ path: String, _ body: String?, token: String? = nil) async throws -> TestResponse {
            var headers = HTTPFields()
            if body != nil { headers[.contentType] = "application/json" }
            if let token { headers[.authorization] = "Bearer \(token)" }
            return try await self.client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        }

        func json<Value: Decodable>(
            _ method: HTTPRequest.Method, _ path: String, _ body: String?, token: String? = nil, as type: Value.Type
        ) async throws -> Value {
            let response = try await self.send(method, path, body, token: token)
            #expect(response.status.code < 300, "\(method) \(path): \(String(buffer: response.body))")
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(Value.self, from: Data(response.body.readableBytesView))
        }

        func register(_ name: String) async throws -> AuthResponse {
            let email = "outbox-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            return try await self.json(
                .post, "/v1/auth/register", #"{"email":"\#(email)","password":"password1","displayName":"\#(name)"}"#,
                as: AuthResponse.self)
        }

        /// The kinds of `user`'s notifications about the meeting `code`, newest first.
        func notificationKinds(_ user: AuthResponse, code: String) async throws -> [String] {
            let page = try await self.json(
                .get, "/v1/notifications?limit=50", nil, token: user.accessToken, as: Page<NotificationResponse>.self)
            return page.items.filter { $0.meetingCode == code }.map(\.kind)
        }
    }
}
