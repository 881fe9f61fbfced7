import Foundation
import Logging
import MeetProtocol

/// `--poll-after`: one meeting's owner, joined over the public APIs like
/// everyone else, runs a poll as a host would (docs/signaling.md, Polls
/// and Q&A): `poll-create`, `poll-launch`, then it watches the live tally
/// (hosts get a `poll` per vote) until every planned participant has
/// voted, or `timeout` passed, and sends `poll-close`, which delivers the
/// results to everyone. Every step is bounded; a failure is counted.
final class PollHost: Sendable {
    let meeting: Int
    private let signaling: SignalingConnection
    private let context: ParticipantContext
    private let polls: PollRecorder
    /// The host's `poll` events (a task reads the socket throughout, so
    /// the bounded event queue never fills while the run holds).
    private let views: AsyncStream<PollView>
    private let reader: Task<Void, Never>

    /// Joins meeting `code` with the owner's account `token`.
    static func join(
        meeting: Int, code: String, token: String, context: ParticipantContext, polls: PollRecorder
    ) async throws(LoadError) -> PollHost {
        let seat = try await context.rest.join(code: code, name: "meet-load host \(meeting + 1)", token: token)
        let url = context.wsURLs.isEmpty ? seat.wsURL : context.wsURLs[meeting % context.wsURLs.count]
        let signaling = try await SignalingConnection.connect(
            url: url, token: seat.joinToken, timeout: context.connectTimeout, logger: context.wsLogger)
        let reply = try await signaling.request(.join, timeout: context.requestTimeout)
        guard case .joined = reply.message else {
            signaling.disconnect()
            throw LoadError("poll_host_not_joined", "join answered \(reply.message.type)")
        }
        return PollHost(meeting: meeting, signaling: signaling, context: context, polls: polls)
    }

    private init(meeting: Int, signaling: SignalingConnection, context: ParticipantContext, polls: PollRecorder) {
        self.meeting = meeting
        self.signaling = signaling
        self.context = context
        self.polls = polls
        let (views, continuation) = AsyncStream.makeStream(of: PollView.self, bufferingPolicy: .bufferingNewest(1024))
        self.views = views
        self.reader = Task {
            for await event in signaling.events {
                if case .message(let envelope) = event, case .engagement(.poll(let view)) = envelope.message {
                    continuation.yield(view)
                }
            }
            continuation.finish()
        }
    }

    /// Creates, launches and (once `expected` voted, or after `timeout`) closes one poll.
    func run(expected: Int, timeout: Duration) async {
        do throws(LoadError) {
            let created = try await signaling.request(
                .engagement(.pollCreate(PollCreate(question: "meet-load: which one?", options: ["A", "B", "C", "D"]))),
                timeout: context.requestTimeout)
            guard case .engagement(.poll(let draft)) = created.message else {
                throw LoadError("poll_unexpected_reply", "poll-create answered \(created.message.type)")
            }
            polls.launched(meeting: meeting, at: monotonicNanos())
            _ = try await signaling.request(.engagement(.pollLaunch(PollTarget(pollId: draft.id))), timeout: context.requestTimeout)
            let voters = await counted(poll: draft.id, expected: expected, timeout: timeout)
            if voters < expected {
                context.recorder.error(
                    LoadError("poll_votes_missing", "\(voters) of \(expected) voted within \(timeout)"), participant: -1)
            }
            polls.closed(meeting: meeting, at: monotonicNanos(), voterCount: voters)
            _ = try await signaling.request(.engagement(.pollClose(PollTarget(pollId: draft.id))), timeout: context.requestTimeout)
        } catch {
            context.recorder.error(LoadError("poll_host_\(error.code)", error.detail), participant: -1)
        }
    }

    /// Waits for the live tally to count `expected` voters; the most it counted.
    private func counted(poll: UUID, expected: Int, timeout: Duration) async -> Int {
        let views = self.views
        let polls = self.polls
        let meeting = self.meeting
        let watch = Task {
            var most = 0
            for await view in views where view.id == poll {
                most = max(most, view.voterCount ?? 0)
                if most >= expected {
                    polls.counted(meeting: meeting, at: monotonicNanos())
                    return most
                }
                if Task.isCancelled { break }
            }
            return most
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            watch.cancel()
        }
        defer { timer.cancel() }
        return await watch.value
    }

    func leave() async {
        _ = try? await signaling.request(.leave, timeout: .seconds(2))
        signaling.disconnect()
        reader.cancel()
    }
}
