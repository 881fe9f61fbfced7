import MeetRTP
import Testing
@testable import MeetSFU

/// Temporal up-steps (review of session 15, session 16): one layer at a time
/// on a layer-sync frame in the down-track, and in the selector only with
/// the allocator's budget (its slack keeps a step, it does not buy one), so
/// a rate at a step's boundary does not flap the target.
@Suite struct TemporalHysteresisTests {
    /// Whether the munger forwards a frame start with these fields.
    private func admits(_ munger: inout VP8Munger, id: UInt16, tid: Int, sync: Bool, keyframe: Bool = false) -> Bool {
        munger.admits(VP8DescriptorFields(payload: vp8Payload(pictureID: id, tl0: 1, tid: tid, sync: sync, keyframe: keyframe))!)
    }

    @Test("up from TID 0 to all: a TID 2 Y frame waits, a TID 1 Y frame steps to 1, then a TID 2 Y frame to 2")
    func oneLayerAtATime() {
        var munger = VP8Munger(historySlots: 16)
        munger.setTargetTemporalLayer(0)
        var admitted = [admits(&munger, id: 100, tid: 0, sync: false, keyframe: true)]
        munger.setTargetTemporalLayer(VP8Munger.allTemporalLayers)
        for (id, tid, sync) in [(101, 2, true), (102, 1, true), (103, 2, false), (104, 0, false), (105, 2, true), (106, 1, false), (107, 2, false)] {
            admitted.append(admits(&munger, id: UInt16(id), tid: tid, sync: sync))
            if id == 102 { #expect(munger.currentTemporalLayer == 1) }
        }
        #expect(admitted == [true, false, true, false, true, true, true, true])
        #expect(munger.currentTemporalLayer == 2)
    }

    /// TemporalStepTests' layers: 0 at 300 kbit/s (180 px); 1 at 400 / 700 / 1 200 kbit/s for TID ≤ 0 / 1 / 2.
    static let layers = TemporalStepTests.layers

    @Test("a budget hovering around layer 1's full rate: the temporal target steps down once and stays, up only with the headroom")
    func noFlapAtTheBoundary() {
        var selector = LayerSelector()
        func retarget(_ budget: Int) -> Int? {
            selector.constraints = .init(availableBitrate: budget)
            selector.retarget(layers: Self.layers)
            #expect(selector.target == 1)
            return selector.targetTemporalLayer
        }
        #expect(retarget(1_500_000) == nil)
        // 1.1 Mbit/s: layer 1 at TID ≤ 1; 1.25 Mbit/s would fit the full rate with the node's fifth of slack only.
        let hovering = [1_100_000, 1_250_000, 1_100_000, 1_250_000, 1_250_000].map(retarget)
        #expect(hovering == [1, 1, 1, 1, 1])
        // 1.44 Mbit/s = 1.2 Mbit/s and its fifth: the allocator granted the full rate.
        #expect(retarget(1_440_000) == nil)
        #expect(retarget(1_250_000) == nil, "a step kept within the slack")
    }

    @Test("the selector's slack does not buy a temporal step into a higher layer the allocator did not grant")
    func stepIntoAHigherLayerNeedsTheBudget() {
        struct Step: Equatable {
            var layer: Int?
            var temporalLayer: Int?
        }
        var selector = LayerSelector()
        var steps: [Step] = []
        // 800 kbit/s = a 667 kbit/s budget and its fifth: layer 1 at TID ≤ 1 costs 700; 850 affords it.
        // Then down at once when the budget falls.
        for budget in [350_000, 800_000, 850_000, 600_000] {
            selector.constraints = .init(availableBitrate: budget)
            selector.retarget(layers: Self.layers)
            steps.append(Step(layer: selector.target, temporalLayer: selector.targetTemporalLayer))
        }
        #expect(steps == [Step(layer: 0), Step(layer: 0), Step(layer: 1, temporalLayer: 1), Step(layer: 0)])
    }
}
