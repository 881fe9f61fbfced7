import Foundation
import Logging
import MeetBus
import MeetProtocol
import NIOConcurrencyHelpers

/// Delivers what meet-api pushes to a user (a `notification` frame, on the
/// user's channel: MeetProtocol's ``UserChannels``) to every socket of that
/// user on this replica. docs/signaling.md, "Notifications".
///
/// The replica subscribes to a user's channel while it holds a socket of
/// the user (guests and recorders have none), and drops it with the last
/// one, so subscriptions are bounded by the sockets held. A frame goes only
/// to the sockets of the channel's user, and one whose `userId` is not the
/// channel's is dropped: nothing reaches another user. Delivery goes through
/// each session's bounded mailbox, as every bus event does.
final class NotificationRelay: Sendable {
    private struct User {
        var mailboxes: [UUID: SessionMailbox] = [:]
        var pump: Task<Void, Never>?
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

    /// A socket of a signed-in user: its user's pushes reach it from now on
    /// (once the first socket's subscription is live).
    func attach(_ mailbox: SessionMailbox) {
        guard let userId = mailbox.identity.userId, !mailbox.identity.isRecorder else { return }
        self.state.withLockedValue { state in
            state.owners[mailbox.connectionId] = userId
            state.users[userId, default: User()].mailboxes[mailbox.connectionId] = mailbox
            if state.users[userId]?.pump == nil {
                state.users[userId]?.pump = Task { await self.pump(userId) }
            }
        }
    }

    /// The socket is gone; the user's last socket here drops the subscription.
    func detach(_ connectionId: UUID) {
        let pump = self.state.withLockedValue { state -> Task<Void, Never>? in
            guard let userId = state.owners.removeValue(forKey: connectionId) else { return nil }
            state.users[userId]?.mailboxes[connectionId] = nil
            guard state.users[userId]?.mailboxes.isEmpty == true else { return nil }
            return state.users.removeValue(forKey: userId)?.pump
        }
        pump?.cancel()
    }

    /// Users with a subscription on this replica (tests).
    var userCount: Int { self.state.withLockedValue { $0.users.count } }

    /// Reads the user's channel until cancelled (the user's last socket left).
    private func pump(_ userId: UUID) async {
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
        await withTaskCancellationHandler {
            for await message in subscription.messages where message.userId == userId {
                self.deliver(message)
            }
        } onCancel: {
            subscription.cancel()
        }
    }

    private func deliver(_ message: UserBusMessage) {
        let mailboxes = self.state.withLockedValue { Array(($0.users[message.userId]?.mailboxes ?? [:]).values) }
        for mailbox in mailboxes {
            mailbox.deliver(
                .inbox(
                    InboxBusMessage(
                        participantId: mailbox.identity.participantId, origin: self.origin, sentAtMs: message.sentAtMs,
                        action: .deliver, frame: message.frame)))
        }
    }
}
