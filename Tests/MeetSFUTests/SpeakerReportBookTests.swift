import Testing
@testable import MeetSFU

/// When the node reports a room's speakers to ServerWS.
@Suite("Speaker reports")
struct SpeakerReportBookTests {
    typealias Speaker = SpeakerReportBook.Speaker

    @Test("a change is reported at once, loudest first; the same list again only after the refresh")
    func changesAndRefresh() {
        var book = SpeakerReportBook(refresh: .seconds(2))
        var clock = TestClock()
        let first = book.round(["room": ["b": 40, "a": 40, "c": 80, "d": 0]], now: clock.now)
        #expect(first == [.init(roomId: "room", speakers: [
            Speaker(participantId: "c", level: 80), Speaker(participantId: "a", level: 40), Speaker(participantId: "b", level: 40),
        ])])
        clock.advance(.milliseconds(200))
        #expect(book.round(["room": ["a": 40, "b": 40, "c": 80]], now: clock.now).isEmpty, "unchanged")
        clock.advance(.milliseconds(200))
        #expect(book.round(["room": ["a": 45, "b": 40, "c": 80]], now: clock.now).count == 1, "a level changed")
        clock.advance(.milliseconds(1900))
        #expect(book.round(["room": ["a": 45, "b": 40, "c": 80]], now: clock.now).isEmpty)
        clock.advance(.milliseconds(100))
        #expect(book.round(["room": ["a": 45, "b": 40, "c": 80]], now: clock.now).count == 1, "refreshed after 2 s")
    }

    @Test("a room that goes quiet, or loses its last publisher here, gets one empty report and is forgotten")
    func quietRooms() {
        var book = SpeakerReportBook()
        let clock = TestClock()
        #expect(book.round(["quiet": ["a": 0]], now: clock.now).isEmpty, "never spoke: nothing to say")
        _ = book.round(["x": ["a": 50], "y": ["b": 50]], now: clock.now)
        #expect(book.roomCount == 2)
        let reports = book.round(["x": ["a": 0]], now: clock.now)
        #expect(reports == [.init(roomId: "x", speakers: []), .init(roomId: "y", speakers: [])])
        #expect(book.roomCount == 0)
        #expect(book.round(["x": ["a": 0]], now: clock.now).isEmpty, "said once")
    }

    @Test("at most maxSpeakers per report")
    func limit() {
        var book = SpeakerReportBook(maxSpeakers: 2)
        let reports = book.round(["r": ["a": 10, "b": 20, "c": 30]], now: TestClock().now)
        #expect(reports.first?.speakers.map(\.participantId) == ["c", "b"])
    }
}
