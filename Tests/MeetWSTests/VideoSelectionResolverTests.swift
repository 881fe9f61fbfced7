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

    @Test func splitByConnectionEveryConnectionGetsASelection() {
        let (a, b, c) = (Self.ids[1], Self.ids[2], Self.ids[3])
        let resolved = [
            Tile(participantId: a, source: .camera, maxHeight: 360), Tile(participantId: b, source: .camera, maxHeight: 360),
            Tile(participantId: c, source: .camera, maxHeight: 360), // not subscribed yet
        ]
        let address = NodeAddress(ip: "127.0.0.1", port: 1)
        func record(_ transportId: String, _ node: String, _ publisher: UUID) -> SubscriptionRecord {
            SubscriptionRecord(transportId: transportId, nodeId: node, address: address, publisherParticipantId: publisher, perNode: true)
        }
        // b migrates from t2 (sfu-2) to t3 (sfu-3): both carry it for a moment, both forward it.
        let subscriptions = [record("t1", "sfu-1", a), record("t2", "sfu-2", b), record("t3", "sfu-3", b), record("t2", "sfu-2", Self.ids[4])]
        let selections = VideoSelectionResolver.perConnection(resolved, subscriptions: subscriptions)
        func target(_ id: UUID) -> SFUVideoTarget { SFUVideoTarget(participantId: id.uuidString.lowercased(), source: .camera, maxHeight: 360) }
        #expect(selections == [
            SFUVideoSelection(transportId: "t1", forward: [target(a)]),
            SFUVideoSelection(transportId: "t2", forward: [target(b)]),
            SFUVideoSelection(transportId: "t3", forward: [target(b)]),
        ])
        // Nothing chosen on a connection: an empty selection (pause all).
        #expect(VideoSelectionResolver.perConnection([], subscriptions: [record("t1", "sfu-1", a)])
            == [SFUVideoSelection(transportId: "t1", forward: [])])
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

extension VideoSelectionResolverTests {
    /// The socket's state: nothing before a preference; a round sends only
    /// what changed, tells the client only when its list changed, and
    /// follows speakers and publishers.
    @Test func theStateRoundsOnlyOnChange() {
        let (me, a, b) = (Self.ids[0], Self.ids[1], Self.ids[2])
        let address = NodeAddress(ip: "127.0.0.1", port: 1)
        let subscriptions = [a, b].map {
            SubscriptionRecord(transportId: "t1", nodeId: "n1", address: address, publisherParticipantId: $0, perNode: true)
        }
        var state = VideoSelectionState()
        let idle = state.round(subscriber: me, subscriptions: subscriptions)
        #expect(idle == .init())
        state.roster = VideoRoster(tracks: [a, b].map { TrackInfo(id: "\($0):1", participantId: $0, kind: .camera) }
            + [TrackInfo(id: "x:0", participantId: a, kind: .mic)])
        state.prefer(VideoPreference(limit: 1, tiles: [], followSpeakers: true, speakerMaxHeight: 180))
        let first = state.round(subscriber: me, subscriptions: subscriptions, reply: true)
        #expect(first.requests == ["n1": [SFUVideoSelection(transportId: "t1", forward: [])]])
        #expect(first.forwarding == VideoSelectionData(forwarding: []))
        let again = state.round(subscriber: me, subscriptions: subscriptions)
        #expect(again == .init(), "nothing changed: nothing sent")

        let moved = state.speakersChanged(ActiveSpeakers(speakers: [.init(participantId: b, level: 80)]))
        let same = state.speakersChanged(ActiveSpeakers(speakers: [.init(participantId: b, level: 70)]))
        #expect(moved && !same, "the same ranking at another level changes nothing")
        let speaking = state.round(subscriber: me, subscriptions: subscriptions)
        let bTarget = SFUVideoTarget(participantId: b.uuidString.lowercased(), source: .camera, maxHeight: 180)
        #expect(speaking.requests == ["n1": [SFUVideoSelection(transportId: "t1", forward: [bTarget])]])
        #expect(speaking.forwarding == VideoSelectionData(forwarding: [.init(participantId: b, source: .camera)]))

        // b stops its camera: the slot empties.
        let stoppedVideo = state.tracksChanged(TracksEvent(participantId: b, nodeId: nil, tracks: []))
        #expect(stoppedVideo)
        let stopped = state.round(subscriber: me, subscriptions: subscriptions)
        #expect(stopped.forwarding == VideoSelectionData(forwarding: []))
        // A failed request is sent whole next round.
        state.failed(stopped.requests["n1"] ?? [])
        let resent = state.round(subscriber: me, subscriptions: subscriptions)
        #expect(resent.requests.count == 1)
    }
}
