import Foundation
import Logging
import MeetBus
import MeetProtocol
import NIOConcurrencyHelpers

/// Delivers what meet-api pushes to a user (a `notification` frame, on the
/// user's channel: MeetProtocol's ``UserChannels``) to every socket of that
/// user on this replica: the sockets joined to a meeting, and the user
/// sockets (`GET /v1/ws/user`, ``UserSocketEndpoint``) a page holds outside
/// any meeting. docs/signaling.md, "Notifications".
///
/// The replica subscribes to a user's channel while it holds a socket of
/// the user (guests and recorders have none), and drops it with the last
/// one, so subscriptions are bounded by the sockets held. A frame goes only
/// to the sockets of the channel's user, and one whose `userId` is not the
/// channel's is dropped: nothing reaches another user. Delivery goes through
/// each socket's bounded queue: a session's mailbox, as every bus event
/// does, or a user socket's outbound queue.
final class NotificationRelay: Sendable {
    /// Hands one message to one socket's queue; never blocks.
    typealias Sink = @Sendable (UserBusMessage) -> Void
    /// Closes one user socket with a WebSocket close code and reason.
    typealias Closer = @Sendable (_ code: UInt16, _ reason: String) -> Void

    private struct User {
        var sinks: [UUID: Sink] = [:]
        /// The user sockets among ``sinks`` (bounded per user), with what closes each at shutdown.
        var userSockets: [UUID: Closer] = [:]
        /// User sockets to tell once the subscription is live.
        var waiting: [UUID: @Sendable () -> Void] = [:]
        /// Whether the channel's subscription is confirmed.
        var live = false
        var pump: Task<Void, Never>?
        /// Which pump is this entry's: a pump cancelled when the user's last
        /// socket left may still run a moment, and must not mark a newer
        /// entry live before that entry's own subscription is.
        var generation = UUID()
    }

    private struct State {
        var users: [UUID: User] = [:]
        /// Connection → user, for ``detach(_:)``.
        var owners: [UUID: UUID] = [:]
    }

    private let bus: SignalingBus
    private let origin: String
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    init(bus: SignalingBus, origin: String, logger: Logger) {
        self.bus = bus
        self.origin = origin
        self.logger = logger
    }

    /// A socket of a signed-in user in a meeting: its user's pushes reach it
    /// from now on (once the first socket's subscription is live).
    func attach(_ mailbox: SessionMailbox) {
        guard let userId = mailbox.identity.userId, !mailbox.identity.isRecorder else { return }
        let origin = self.origin
        let sink: Sink = { message in
            mailbox.deliver(
                .inbox(
                    InboxBusMessage(
                        participantId: mailbox.identity.participantId, origin: origin, sentAtMs: message.sentAtMs,
                        action: .deliver, frame: message.frame)))
        }
        self.state.withLockedValue { state in
            Self.add(&state, userId: userId, connectionId: mailbox.connectionId, sink: sink, pump: self.pumpStarter(userId))
        }
    }

    /// A user socket (outside any meeting): false, and nothing attached, when
    /// the user already holds `limit` of them on this replica. `live` is
    /// called once the user's channel is subscribed (at once when it already
    /// is): pushes reach the socket from then on. `close` ends the socket when
    /// the replica shuts down (``closeUserSockets()``), or when meet-api says
    /// the account is gone (a message with ``UserBusMessage/endsUserSockets``).
    func attachUserSocket(
        userId: UUID, connectionId: UUID, limit: Int, sink: @escaping Sink, live: @escaping @Sendable () -> Void,
        close: @escaping Closer
    ) -> Bool {
        let (attached, liveNow) = self.state.withLockedValue { state -> (Bool, Bool) in
            guard (state.users[userId]?.userSockets.count ?? 0) < limit else { return (false, false) }
            Self.add(&state, userId: userId, connectionId: connectionId, sink: sink, pump: self.pumpStarter(userId))
            state.users[userId]?.userSockets[connectionId] = close
            let liveNow = state.users[userId]?.live == true
            if !liveNow { state.users[userId]?.waiting[connectionId] = live }
            return (true, liveNow)
        }
        if liveNow { live() }
        return attached
    }

    /// Shutdown: every user socket on this replica is told to close (1001).
    func closeUserSockets() {
        let closes = self.state.withLockedValue { $0.users.values.flatMap(\.userSockets.values) }
        for close in closes { close(CloseCode.goingAway, "server shutting down") }
    }

    /// Adds the socket's sink, starting the user's pump with the first one.
    private static func add(
        _ state: inout State, userId: UUID, connectionId: UUID, sink: @escaping Sink, pump: (UUID) -> Task<Void, Never>
    ) {
        var user = state.users[userId] ?? User()
        user.sinks[connectionId] = sink
        if user.pump == nil { user.pump = pump(user.generation) }
        state.users[userId] = user
        state.owners[connectionId] = userId
    }

    /// The socket is gone; the user's last socket here drops the subscription.
    func detach(_ connectionId: UUID) {
        let pump = self.state.withLockedValue { state -> Task<Void, Never>? in
            guard let userId = state.owners.removeValue(forKey: connectionId) else { return nil }
            state.users[userId]?.sinks[connectionId] = nil
            state.users[userId]?.userSockets[connectionId] = nil
            state.users[userId]?.waiting[connectionId] = nil
            guard state.users[userId]?.sinks.isEmpty == true else { return nil }
            return state.users.removeValue(forKey: userId)?.pump
        }
        pump?.cancel()
    }

    /// User sockets of `userId` on this replica.
    func userSocketCount(_ userId: UUID) -> Int {
        self.state.withLockedValue { $0.users[userId]?.userSockets.count ?? 0 }
    }

    /// Users with a subscription on this replica (tests).
    var userCount: Int { self.state.withLockedValue { $0.users.count } }

    /// What starts the user's pump for an entry of `generation`.
    private func pumpStarter(_ userId: UUID) -> (UUID) -> Task<Void, Never> {
        { generation in Task { await self.pump(userId, generation: generation) } }
    }

    /// Reads the user's channel until cancelled (the user's last socket left).
    private func pump(_ userId: UUID, generation: UUID) async {
        var subscription: SignalingSubscription<UserBusMessage>?
        var backoff = Duration.seconds(1)
        while subscription == nil {
            do {
                subscription = try await self.bus.subscribe(user: userId)
            } catch {
                // Tried again (1 s, doubling to 30 s) while the user has a socket here;
                // meanwhile the client's bell keeps polling: the list is the truth.
                self.logger.warning(
                    "could not subscribe to a user's notifications; retrying",
                    metadata: ["error": "\(error)", "retry.in_s": "\(backoff.components.seconds)"])
                do { try await Task.sleep(for: backoff) } catch { return }  // cancelled: the user's last socket left
                backoff = min(backoff * 2, .seconds(30))
            }
        }
        guard let subscription else { return }
        if Task.isCancelled {  // the user's last socket left meanwhile
            subscription.cancel()
            return
        }
        let waiting = self.state.withLockedValue { state -> [@Sendable () -> Void] in
            // The entry this pump serves, not a newer one made after its user left.
            guard state.users[userId]?.generation == generation else { return [] }
            state.users[userId]?.live = true
            defer { state.users[userId]?.waiting = [:] }
            return Array((state.users[userId]?.waiting ?? [:]).values)
        }
        for live in waiting { live() }
        await withTaskCancellationHandler {
            for await message in subscription.messages where message.userId == userId {
                self.deliver(message)
            }
        } onCancel: {
            subscription.cancel()
        }
    }

    private func deliver(_ message: UserBusMessage) {
        guard message.endsUserSockets != true else {
            // The account was deleted: its user sockets get the frame (an
            // `error`) and close as an expired token's; meeting sockets
            // leave through their seats, not here.
            let sockets = self.state.withLockedValue { state in
                (state.users[message.userId]?.userSockets ?? [:]).compactMap { id, close in
                    state.users[message.userId]?.sinks[id].map { ($0, close) }
                }
            }
            for (sink, close) in sockets {
                sink(message)
                close(CloseCode.unauthorized, "account deleted")
            }
            if !sockets.isEmpty {
                self.logger.info("closed a deleted account's user sockets", metadata: ["user.id": "\(message.userId)", "sockets": "\(sockets.count)"])
            }
            return
        }
        let sinks = self.state.withLockedValue { Array(($0.users[message.userId]?.sinks ?? [:]).values) }
        for sink in sinks { sink(message) }
    }
}
