import Foundation
import Testing

@testable import MeetLoad

/// `--poll-after`'s figures (docs/load-testing.md, Polls): what the host
/// and the participants record, on one clock, becomes the report's
/// latencies and the per-meeting "all counted" and "everyone has the
/// results" times.
@Suite struct PollFiguresTests {
    static let ms: UInt64 = 1_000_000

    @Test func timingsAreCountedFromTheLaunchAndTheClose() {
        let polls = PollRecorder()
        polls.opened(meeting: 0, at: 5 * Self.ms)  // before any launch: not timed
        polls.launched(meeting: 0, at: 100 * Self.ms)
        for (index, at) in [110, 120, 130].enumerated() {
            polls.opened(meeting: 0, at: UInt64(at) * Self.ms)
            polls.voted(millis: Double(10 + index))
        }
        polls.counted(meeting: 0, at: 150 * Self.ms)
        polls.closed(meeting: 0, at: 160 * Self.ms, voterCount: 3)
        polls.results(meeting: 0, at: 170 * Self.ms, voterCount: 3, expected: 3)
        polls.results(meeting: 0, at: 190 * Self.ms, voterCount: 3, expected: 3)
        polls.results(meeting: 0, at: 180 * Self.ms, voterCount: 2, expected: 3)

        let figures = LoadReport.PollFigures(polls.current, meetings: 2, participantsPerMeeting: 3)
        #expect(figures.votersPlanned == 6 && figures.votesCounted == 3)
        #expect(figures.resultsDelivered == 3 && figures.incompleteResults == 1)
        #expect(figures.openMs.count == 3 && figures.openMs.min == 10 && figures.openMs.max == 30)
        #expect(figures.voteMs.p50 == 11)
        #expect(figures.resultsMs.min == 70 && figures.resultsMs.max == 90)
        #expect(figures.closeFanOutMs.min == 10 && figures.closeFanOutMs.max == 30)
        #expect(figures.allCountedMs == [50, nil])
        #expect(figures.everyoneHasResultsMs == [90, nil])  // the second meeting never launched
        #expect(figures.launchedAtUnix[0] != nil && figures.launchedAtUnix[1] == nil)
    }

    @Test func aMeetingWhoseResultsMissedSomeoneHasNoEndToEndTime() {
        let polls = PollRecorder()
        polls.launched(meeting: 0, at: 0)
        polls.closed(meeting: 0, at: 10 * Self.ms, voterCount: 1)
        polls.results(meeting: 0, at: 20 * Self.ms, voterCount: 1, expected: 2)
        let figures = LoadReport.PollFigures(polls.current, meetings: 1, participantsPerMeeting: 2)
        #expect(figures.everyoneHasResultsMs == [nil] && figures.allCountedMs == [nil])
    }
}

