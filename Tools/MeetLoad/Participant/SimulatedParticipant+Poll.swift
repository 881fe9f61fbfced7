import Foundation
import MeetProtocol

/// `--poll-after`: a participant answers its meeting's poll as a person
/// would, once, as soon as it opens (one option, by its index), and times
/// the poll reaching it, its vote's reply, and the results reaching it.
extension SimulatedParticipant {
    func answerPoll(_ view: PollView) async {
        guard let polls = context.polls else { return }
        let now = monotonicNanos()
        switch view.state {
        case .open where !pollsVoted.contains(view.id):
            pollsVoted.insert(view.id)
            polls.opened(meeting: plan.meetingIndex, at: now)
            guard let signaling, !view.options.isEmpty else { return }
            let vote = PollVote(pollId: view.id, choices: [plan.index % view.options.count])
            do throws(LoadError) {
                _ = try await signaling.request(.engagement(.pollVote(vote)), timeout: context.requestTimeout)
                polls.voted(millis: millis(from: now, to: monotonicNanos()))
            } catch {
                record(LoadError("poll_\(error.code)", error.detail))
            }
        case .closed where !pollsClosed.contains(view.id):
            pollsClosed.insert(view.id)
            polls.results(
                meeting: plan.meetingIndex, at: now, voterCount: view.voterCount ?? 0, expected: context.participantsPerMeeting)
        default:
            break
        }
    }
}
