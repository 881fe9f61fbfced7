import Foundation
import MeetProtocol
import Testing
@testable import MeetWS

/// Last-N in meet-ws: page + speakers + limit, split by node, only changes sent.
@Suite struct VideoSelectionResolverTests {
    static let ids = ActiveSpeakerTests.ids(6)
    typealias Tile = VideoPreference.Tile
    typealias Video = VideoSelectionResolver.Video

    static func cameras(_ people: [UUID]) -> Set<Video> {
        Set(people.map { Video(participantId: $0, source: .camera) })
    }

    @Test func pageFirstThenSpeakersUpToTheLimit() {
        let (me, a, b, c, d, e) = (Self.ids[0], Self.ids[1], Self.ids[2], Self.ids[3], Self.ids[4], Self.ids[5])
        let preference = VideoPreference(
            limit: 3, tiles: [Tile(participantId: b, source: .camera, maxHeight: 360), Tile(participantId: a, source: .camera, maxHeight: 360)],
            followSpeakers: true, speakerMaxHeight: 180)
        // Speakers: me (skipped), a (already on the page), d, e (over the limit).
        let resolved = VideoSelectionResolver.resolve(
            preference, subscriber: me, speakers: [me, a, d, e], publishing: Self.cameras([a, b, c, d, e]))
        #expect(resolved == [
            Tile(participantId: b, source: .camera, maxHeight: 360), Tile(participantId: a, source: .camera, maxHeight: 360),
            Tile(participantId: d, source: .camera, maxHeight: 180),
        ])
    }

    @Test func videosNobodyPublishesZeroHeightsAndALimitOfZeroAreLeftOut() {
        let (me, a, b, c) = (Self.ids[0], Self.ids[1], Self.ids[2], Self.ids[3])
        var preference = VideoPreference(
            limit: 5,
            tiles: [
                Tile(participantId: a, source: .screen, maxHeight: 1080), // a shares no screen
                Tile(participantId: b, source: .camera, maxHeight: 0),
                Tile(participantId: c, source: .camera, maxHeight: 360),
                Tile(participantId: c, source: .camera, maxHeight: 720), // duplicate
            ],
            followSpeakers: false, speakerMaxHeight: 180)
        let publishing = Self.cameras([a, b, c])
        #expect(VideoSelectionResolver.resolve(preference, subscriber: me, speakers: [a], publishing: publishing)
            == [Tile(participantId: c, source: .camera, maxHeight: 360)])
        preference.limit = 0
        #expect(VideoSelectionResolver.resolve(preference, subscriber: me, speakers: [a], publishing: publishing).isEmpty)
    }

    @Test func splitByNodeEveryConnectionGetsASelection() {
        let (a, b, c) = (Self.ids[1], Self.ids[2], Self.ids[3])
        let resolved = [
            Tile(participantId: a, source: .camera, maxHeight: 360), Tile(participantId: b, source: .camera, maxHeight: 360),
            Tile(participantId: c, source: .camera, maxHeight: 360), // on node 3, no connection yet
        ]
        let selections = VideoSelectionResolver.perNode(
            resolved, nodeOf: [a: "sfu-1", b: "sfu-1", c: "sfu-3"], connections: ["sfu-1": "t1", "sfu-2": "t2"])
        #expect(selections == [
            SFUVideoSelection(transportId: "t1", forward: [
                SFUVideoTarget(participantId: a.uuidString, source: .camera, maxHeight: 360),
                SFUVideoTarget(participantId: b.uuidString, source: .camera, maxHeight: 360),
            ]),
            SFUVideoSelection(transportId: "t2", forward: []),
        ])
    }

    @Test func theBookSendsOnlyChangesGroupedByNode() {
        var book = VideoSelectionBook()
        let target = SFUVideoTarget(participantId: "p", source: .camera, maxHeight: 360)
        let nodes = ["t1": "sfu-1", "t2": "sfu-1", "t3": "sfu-2"]
        let first = [
            SFUVideoSelection(transportId: "t1", forward: [target]), SFUVideoSelection(transportId: "t2", forward: []),
            SFUVideoSelection(transportId: "t3", forward: [target]),
        ]
        let sent = book.changes(first, nodeOfTransport: nodes)
        #expect(sent["sfu-1"]?.map(\.transportId) == ["t1", "t2"])
        #expect(sent["sfu-2"]?.map(\.transportId) == ["t3"])
        // Same again: nothing. One change: only its node.
        #expect(book.changes(first, nodeOfTransport: nodes).isEmpty)
        let second = book.changes([SFUVideoSelection(transportId: "t2", forward: [target])], nodeOfTransport: nodes)
        #expect(second == ["sfu-1": [SFUVideoSelection(transportId: "t2", forward: [target])]])
        // A forgotten connection is sent whole next time; an unknown one never.
        book.forget(transportId: "t3")
        #expect(book.changes(first, nodeOfTransport: nodes).keys.sorted() == ["sfu-1", "sfu-2"])
        #expect(book.changes([SFUVideoSelection(transportId: "t9", forward: [])], nodeOfTransport: nodes).isEmpty)
        #expect(book.count == 3)
    }
}

extension VideoSelectionResolverTests {
    @Test func aClientRequestIsBounded() throws {
        let a = Self.ids[1]
        let request = VideoPreferencesRequest(
            limit: 99,
            tiles: [.init(participantId: a, source: .mic, maxHeight: 360), .init(participantId: a, source: .camera, maxHeight: -5)],
            speakers: .init(follow: true, maxHeight: 180))
        let preference = try VideoPreference(request)
        #expect(preference == VideoPreference(
            limit: 25, tiles: [Tile(participantId: a, source: .camera, maxHeight: 0)], followSpeakers: true, speakerMaxHeight: 180))
        let tooMany = VideoPreferencesRequest(
            limit: 1, tiles: Array(repeating: .init(participantId: a, source: .camera, maxHeight: 1), count: 26))
        #expect(throws: VideoPreference.Invalid.tooManyTiles(count: 26, limit: 25)) { try VideoPreference(tooMany) }
    }
}
