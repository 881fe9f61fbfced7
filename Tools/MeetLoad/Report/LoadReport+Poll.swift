import Foundation

/// `--poll-after`: the poll's figures in the report (docs/load-testing.md, Polls).
extension LoadReport {
    struct PollFigures: Codable, Sendable {
        /// Planned voters over all meetings, and the votes the hosts' tallies counted at the close.
        var votersPlanned: Int
        var votesCounted: Int
        /// Participants that got the closed results, and how many of those results missed a planned voter.
        var resultsDelivered: Int
        var incompleteResults: Int
        /// `poll-launch` sent → the open poll at each participant.
        var openMs: Distribution
        /// `poll-vote` sent → its reply.
        var voteMs: Distribution
        /// `poll-launch` sent → the closed results at each participant: the end-to-end latency.
        var resultsMs: Distribution
        /// `poll-close` sent → the closed results at each participant (the fan-out alone).
        var closeFanOutMs: Distribution
        /// Per meeting: launch → the host's live tally counted every planned voter (nil: it never did).
        var allCountedMs: [Double?]
        /// Per meeting: launch → the last participant got the results (nil: not everyone did).
        var everyoneHasResultsMs: [Double?]
        /// Per meeting: when `poll-launch` was sent (seconds since 1970), to line up CPU samples.
        var launchedAtUnix: [Double?]

        init(_ state: PollRecorder.State, meetings: Int, participantsPerMeeting: Int) {
            let records = (0..<meetings).map { state.meetings[$0] ?? PollRecorder.Meeting() }
            votersPlanned = meetings * participantsPerMeeting
            votesCounted = records.reduce(0) { $0 + $1.voterCount }
            resultsDelivered = state.resultMillis.count
            incompleteResults = state.incompleteResults
            openMs = Distribution(state.openMillis)
            voteMs = Distribution(state.voteMillis)
            resultsMs = Distribution(state.resultMillis)
            closeFanOutMs = Distribution(state.closeFanOutMillis)
            allCountedMs = records.map { record in
                guard let launched = record.launchedAt, let counted = record.countedAt else { return nil }
                return millis(from: launched, to: counted)
            }
            everyoneHasResultsMs = records.map { record in
                guard let launched = record.launchedAt, record.resultsAt.count >= participantsPerMeeting,
                      let last = record.resultsAt.max() else { return nil }
                return millis(from: launched, to: last)
            }
            launchedAtUnix = records.map(\.launchedAtUnix)
        }
    }

    /// The poll's lines of the summary table.
    func pollLines(row: (String, Distribution) -> String) -> [String] {
        guard let poll else { return [] }
        func ms(_ values: [Double?]) -> String {
            values.map { $0.map { String(format: "%.0f", $0) } ?? "never" }.joined(separator: ", ")
        }
        return [
            row("poll open reached (ms)", poll.openMs),
            row("poll vote answered (ms)", poll.voteMs),
            row("poll results reached (ms)", poll.resultsMs),
            row("poll close fan-out (ms)", poll.closeFanOutMs),
            "poll: \(poll.votesCounted) of \(poll.votersPlanned) votes counted, results to \(poll.resultsDelivered) "
                + "(\(poll.incompleteResults) incomplete); all counted after \(ms(poll.allCountedMs)) ms, "
                + "everyone has the results after \(ms(poll.everyoneHasResultsMs)) ms",
        ]
    }
}
