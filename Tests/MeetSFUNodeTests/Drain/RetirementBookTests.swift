import Testing

@testable import MeetSFUNode

/// Retirement deadlines and the drain flag with instants made up by the test.
@Suite("RetirementBook: retired publishers and the node's drain")
struct RetirementBookTests {
    let t0 = ContinuousClock.now

    @Test("a publisher with no subscribers closes at once and is not kept")
    func closeNow() {
        var book = RetirementBook(migrationTimeout: .seconds(10))
        #expect(book.retire("p1", subscribers: 0, now: t0) == .closeNow)
        #expect(!book.isRetired("p1") && book.isEmpty)
    }

    @Test("with subscribers it is kept until the timeout; retiring again keeps the first deadline")
    func keptUntilDeadline() {
        var book = RetirementBook(migrationTimeout: .seconds(10))
        #expect(book.retire("p1", subscribers: 2, now: t0) == .keepUntil(t0 + .seconds(10)))
        #expect(book.retire("p1", subscribers: 2, now: t0 + .seconds(5)) == .keepUntil(t0 + .seconds(10)))
        #expect(book.isRetired("p1"))
        #expect(book.expired(now: t0 + .seconds(9)) == [])
        #expect(book.expired(now: t0 + .seconds(10)) == ["p1"])
    }

    @Test("it closes when its last subscriber has gone, and is forgotten once closed")
    func lastSubscriber() {
        var book = RetirementBook(migrationTimeout: .seconds(10))
        _ = book.retire("p1", subscribers: 1, now: t0)
        #expect(!book.shouldClose("p1", remainingSubscribers: 1))
        #expect(book.shouldClose("p1", remainingSubscribers: 0))
        #expect(!book.shouldClose("other", remainingSubscribers: 0))
        book.forget("p1")
        #expect(!book.isRetired("p1") && book.expired(now: t0 + .seconds(60)).isEmpty)
    }

    @Test("draining is one-way")
    func draining() {
        var book = RetirementBook(migrationTimeout: .seconds(10))
        #expect(!book.isDraining)
        book.startDraining()
        book.startDraining()
        #expect(book.isDraining)
    }
}
