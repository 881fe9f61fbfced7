import Testing
@testable import MeetSFU

/// Dynacast (#16 item 5) with a test clock: which layers anyone wants
/// (``LayerDemand``, through the router) drives what the publisher is told
/// to send (``DynacastBook``).
@Suite struct DynacastTests {
    typealias Harness = RouterSimulcastTests.Harness
    static let group = RouterSimulcastTests.group

    static func layer(_ height: Int?) -> LayerDemand.Known {
        height.map { LayerSelector.Layer(isActive: true, bitrate: 0, height: $0) }
    }

    @Test("the wanted layers: each forwarding subscriber's choice were every layer sent, and the lowest")
    func demand() {
        let sizes = [Self.layer(180), Self.layer(360), Self.layer(720)]
        #expect(LayerDemand.wanted(layers: sizes, constraints: []) == [0], "nobody: the lowest only")
        #expect(LayerDemand.wanted(layers: sizes, constraints: [.unlimited]) == [0, 2])
        #expect(LayerDemand.wanted(layers: sizes, constraints: [.init(maxHeight: 360), .init(maxHeight: 400)]) == [0, 1])
        #expect(LayerDemand.wanted(layers: sizes, constraints: [.init(maxHeight: 90)]) == [0], "smaller than all: the lowest")
        // Nothing received yet: everything stays (the publisher's default).
        #expect(LayerDemand.wanted(layers: [nil, nil, nil], constraints: []) == [0, 1, 2])
        #expect(LayerDemand.wanted(layers: [], constraints: [.unlimited]) == [])
        // A layer not received yet below the lowest received one is not turned off (it may be on its way).
        #expect(LayerDemand.wanted(layers: [nil, Self.layer(180), Self.layer(360)], constraints: []) == [0, 1])
        // Chromium sending two of three layers (a 640×360 camera, or the top one paused before its
        // first packet): a tile the received layers fill wants what it can be sent; a larger one, or
        // one without a limit, wants that and the unsent layer above it (it may fit better).
        let twoOfThree = [Self.layer(90), Self.layer(180), nil]
        #expect(LayerDemand.wanted(layers: twoOfThree, constraints: [.init(maxHeight: 180)]) == [0, 1])
        #expect(LayerDemand.wanted(layers: twoOfThree, constraints: [.init(maxHeight: 90)]) == [0])
        #expect(LayerDemand.wanted(layers: twoOfThree, constraints: [.init(maxHeight: 360)]) == [0, 1, 2])
        #expect(LayerDemand.wanted(layers: twoOfThree, constraints: [.unlimited]) == [0, 1, 2])
        // H.264: sizes unknown, every received layer fits; ranked by bitrate.
        let h264: [LayerDemand.Known] = [100_000, 400_000, 1_200_000].map { LayerSelector.Layer(isActive: true, bitrate: $0) }
        #expect(LayerDemand.wanted(layers: h264, constraints: [.init(maxHeight: 180)]) == [0, 2])
        // Ranked by size, not index.
        #expect(LayerDemand.wanted(layers: [Self.layer(720), Self.layer(180)], constraints: []) == [1])
    }

    @Test("what a tile's layers cost the allocator: paused ones at their last bitrate, so a grown tile wants the top back")
    func costs() {
        func layer(_ height: Int?, _ bitrate: Int) -> LayerDemand.Known {
            LayerSelector.Layer(isActive: true, bitrate: bitrate, height: height)
        }
        // The upper layers paused by dynacast (their last bitrate kept).
        let layers = [layer(180, 150_000), layer(360, 500_000), layer(720, 1_700_000)]
        #expect(LayerDemand.costs(of: layers, maxHeight: 720) == [150_000, 500_000, 1_700_000])
        #expect(LayerDemand.costs(of: layers, maxHeight: nil) == [150_000, 500_000, 1_700_000])
        #expect(LayerDemand.costs(of: layers, maxHeight: 360) == [150_000, 500_000])
        #expect(LayerDemand.costs(of: layers, maxHeight: 90) == [150_000], "smaller than all: the cheapest")
        // A layer never received, or never measured, costs nothing known: left out.
        #expect(LayerDemand.costs(of: [layer(180, 150_000), nil, layer(720, 0)], maxHeight: 720) == [150_000])
        #expect(LayerDemand.costs(of: [nil, nil], maxHeight: 720) == [])
        // A budget from those costs wants the paused top layer back; one from what is sent now would not.
        var allocator = BandwidthAllocator<Int>()
        let grown = allocator.allocate(
            estimate: 3_000_000, tracks: [.init(key: 1, layers: LayerDemand.costs(of: layers, maxHeight: 720))],
            congested: false, now: .now)
        guard case .forward(let budget)? = grown[1] else {
            Issue.record("the video was not forwarded: \(grown)")
            return
        }
        #expect(LayerDemand.wanted(layers: layers, constraints: [.init(maxHeight: 720, availableBitrate: budget)]) == [0, 2])
        #expect(budget == 1_700_000)
        #expect(LayerDemand.wanted(layers: layers, constraints: [.init(maxHeight: 720, availableBitrate: 150_000)]) == [0])
    }

    @Test("through the router: paused and muted down-tracks want nothing; a layer the publisher stopped is still wanted")
    func routerDemand() {
        let h = Harness()
        #expect(h.router.wantedLayers(ofGroup: Self.group, count: 3, now: h.clock.now) == [0, 1, 2], "nothing received yet")
        _ = h.router.addDownTrack(publisherSSRC: Self.group, subscriber: 1, ssrc: 500, now: h.clock.now)
        _ = h.router.addDownTrack(publisherSSRC: Self.group, subscriber: 2, ssrc: 501, now: h.clock.now)
        h.frame(keyframes: [0, 1, 2])
        #expect(h.router.wantedLayers(ofGroup: Self.group, count: 3, now: h.clock.now) == [0, 2], "no limit (no video-preferences): the top")
        h.router.setLayerConstraints(.init(maxHeight: 360), publisherSSRC: Self.group, subscriber: 1, now: h.clock.now)
        h.router.setLayerConstraints(.init(maxHeight: 180), publisherSSRC: Self.group, subscriber: 2, now: h.clock.now)
        #expect(h.router.wantedLayers(ofGroup: Self.group, count: 3, now: h.clock.now) == [0, 1])
        h.router.setPaused(true, publisherSSRC: Self.group, subscriber: 1, now: h.clock.now)
        #expect(h.router.wantedLayers(ofGroup: Self.group, count: 3, now: h.clock.now) == [0])
        h.router.setPaused(false, publisherSSRC: Self.group, subscriber: 1, now: h.clock.now)
        h.router.setMuted(true, publisherSSRC: Self.group, now: h.clock.now)
        #expect(h.router.wantedLayers(ofGroup: Self.group, count: 3, now: h.clock.now) == [0], "hard-muted: nobody receives it")
        h.router.setMuted(false, publisherSSRC: Self.group, now: h.clock.now)
        // The publisher stops layer 2 (paused by dynacast): a subscriber asking 720p still wants it back.
        h.layers.removeLast()
        for _ in 0..<31 { h.frame() }
        h.router.setLayerConstraints(.init(maxHeight: 720), publisherSSRC: Self.group, subscriber: 2, now: h.clock.now)
        #expect(h.router.wantedLayers(ofGroup: Self.group, count: 3, now: h.clock.now) == [0, 1, 2])
        #expect(h.router.track(ssrc: Self.group)?.downTracks.first { $0.subscriber == 2 }?.layers.target == 1,
                "meanwhile it is sent the best layer still coming")
        #expect(h.router.wantedLayers(ofGroup: 0xDEAD, count: 3, now: h.clock.now) == [])
    }

    @Test("the allocator's costs: a layer the publisher stopped on its own costs nothing; one dynacast paused keeps its last bitrate")
    func staleLayerCosts() throws {
        let h = Harness()
        _ = h.router.addDownTrack(publisherSSRC: Self.group, subscriber: 1, ssrc: 500, now: h.clock.now)
        h.frame(keyframes: [0, 1, 2])
        for _ in 0..<40 { h.frame() }  // > 1 s: every layer measured
        let live = h.router.knownLayers(ofGroup: Self.group, now: h.clock.now)
        #expect(live.prefix(3).allSatisfy { $0?.isActive == true && ($0?.bitrate ?? 0) > 0 }, "\(live)")
        #expect(LayerDemand.costs(of: live, maxHeight: 720).count == 3)
        // The publisher stops layer 2 on its own (its CPU, its uplink; dynacast said nothing): once
        // the monitor calls it inactive, it is no longer a cost, only a layer that may come back.
        h.layers.removeLast()
        for _ in 0..<31 { h.frame() }
        let stopped = h.router.knownLayers(ofGroup: Self.group, now: h.clock.now)
        #expect(stopped[2] == nil && stopped[0] != nil && stopped[1] != nil)
        #expect(LayerDemand.costs(of: stopped, maxHeight: 720).count == 2)
        // A budget of those costs still wants it (above its choice, room in the tile): dynacast
        // neither stops nor restarts it for this subscriber.
        h.router.setLayerConstraints(.init(maxHeight: 720), publisherSSRC: Self.group, subscriber: 1, now: h.clock.now)
        #expect(h.router.wantedLayers(ofGroup: Self.group, count: 3, now: h.clock.now) == [0, 1, 2])
        // Dynacast told the publisher to stop it: it keeps its size and last bitrate, so a
        // subscriber's budget can cover it and want it back (the session-12 fix).
        #expect(h.router.setDynacastPaused([2], ofGroup: Self.group))
        let paused = h.router.knownLayers(ofGroup: Self.group, now: h.clock.now)
        let top = try #require(paused[2])
        #expect(!top.isActive && top.height == 720 && top.bitrate > 0)
        let costs = LayerDemand.costs(of: paused, maxHeight: 720)
        #expect(costs.count == 3 && costs.contains(top.bitrate))
        #expect(h.router.wantedLayers(ofGroup: Self.group, count: 3, now: h.clock.now) == [0, 2])
        // Resumed by dynacast: no longer paused, and not received yet: a layer on its way, no cost.
        h.router.setDynacastPaused([], ofGroup: Self.group)
        #expect(h.router.knownLayers(ofGroup: Self.group, now: h.clock.now)[2] == nil)
        #expect(h.router.wantedLayers(ofGroup: Self.group, count: 3, now: h.clock.now) == [0, 1, 2])
        #expect(!h.router.setDynacastPaused([1], ofGroup: RouterSimulcastTests.layerSSRCs[0]), "a layer is no group")
    }

    @Test("a camera sending black frames or nothing looks muted; a live one, or one not received yet, does not")
    func looksMuted() {
        func layer(_ bitrate: Int, active: Bool = true) -> LayerDemand.Known {
            LayerSelector.Layer(isActive: active, bitrate: bitrate, height: 180)
        }
        #expect(LayerDemand.looksMuted([layer(8_000), layer(12_000), nil]), "black frames on two layers")
        #expect(!LayerDemand.looksMuted([layer(8_000), layer(150_000), nil]))
        #expect(LayerDemand.looksMuted([layer(9_000), layer(500_000, active: false)]), "a layer dynacast paused does not count")
        #expect(LayerDemand.looksMuted([layer(0, active: false), nil]), "nothing being received")
        #expect(!LayerDemand.looksMuted([nil, nil, nil]), "nothing received yet")
    }

    @Test("the book remembers what it told the publisher to stop")
    func bookPaused() {
        var clock = TestClock()
        var book = DynacastBook<String>(configuration: .init(pauseDelay: .seconds(2)))
        let all: Set<Int> = [0, 1, 2]
        #expect(book.paused("cam", negotiated: all) == [], "nothing said: the publisher sends all")
        _ = book.update("cam", wanted: [0], negotiated: all, now: clock.now)
        #expect(book.paused("cam", negotiated: all) == [], "not yet told")
        clock.advance(.seconds(2))
        #expect(book.update("cam", wanted: [0], negotiated: all, now: clock.now) == [0])
        #expect(book.paused("cam", negotiated: all) == [1, 2])
        clock.advance(.milliseconds(200))
        #expect(book.update("cam", wanted: [0, 2], negotiated: all, now: clock.now) == [0, 2])
        #expect(book.paused("cam", negotiated: all) == [1])
    }

    @Test("the book: a layer wanted again goes out at once, an unwanted one after the pause delay, a state again every refresh")
    func book() {
        var clock = TestClock()
        var book = DynacastBook<String>(configuration: .init(
            pauseDelay: .seconds(2), minimumInterval: .milliseconds(200), refresh: .seconds(10)))
        let all: Set<Int> = [0, 1, 2]
        // Everything wanted: the publisher already sends it all, nothing to say.
        #expect(book.update("cam", wanted: all, negotiated: all, now: clock.now) == nil)
        // The top layer unwanted: only once it stayed so for 2 s without a break.
        #expect(book.update("cam", wanted: [0, 1], negotiated: all, now: clock.now) == nil)
        clock.advance(.milliseconds(1_500))
        #expect(book.update("cam", wanted: all, negotiated: all, now: clock.now) == nil, "wanted again: the delay restarts")
        #expect(book.update("cam", wanted: [0, 1], negotiated: all, now: clock.now) == nil)
        clock.advance(.milliseconds(1_999))
        #expect(book.update("cam", wanted: [0, 1], negotiated: all, now: clock.now) == nil)
        clock.advance(.milliseconds(1))
        #expect(book.update("cam", wanted: [0, 1], negotiated: all, now: clock.now) == [0, 1])
        #expect(book.update("cam", wanted: [0, 1], negotiated: all, now: clock.now) == nil, "said once")
        // Wanted again: at once, once 200 ms passed since the last message.
        clock.advance(.milliseconds(100))
        #expect(book.update("cam", wanted: all, negotiated: all, now: clock.now) == nil, "within 200 ms of the last")
        clock.advance(.milliseconds(100))
        #expect(book.update("cam", wanted: all, negotiated: all, now: clock.now) == all)
        clock.advance(.seconds(1))
        _ = book.update("cam", wanted: [0, 2], negotiated: all, now: clock.now)
        clock.advance(.seconds(2))
        #expect(book.update("cam", wanted: [0, 2], negotiated: all, now: clock.now) == [0, 2])
        // Unchanged: sent again after 10 s (pub/sub may have lost it).
        clock.advance(.milliseconds(9_999))
        #expect(book.update("cam", wanted: [0, 2], negotiated: all, now: clock.now) == nil)
        clock.advance(.milliseconds(1))
        #expect(book.update("cam", wanted: [0, 2], negotiated: all, now: clock.now) == [0, 2])
        // A resume and a pause at once: the new layer goes on now, the other off after the delay.
        clock.advance(.milliseconds(200))
        #expect(book.update("cam", wanted: [0, 1], negotiated: all, now: clock.now) == all)
        clock.advance(.seconds(2))
        #expect(book.update("cam", wanted: [0, 1], negotiated: all, now: clock.now) == [0, 1])
        // Layers outside the negotiated ones are ignored; gone sections are forgotten.
        #expect(book.update("screen", wanted: [0, 7], negotiated: [0, 1], now: clock.now) == nil)
        #expect(book.count == 2)
        book.keep(only: ["screen"])
        #expect(book.count == 1)
    }
}
