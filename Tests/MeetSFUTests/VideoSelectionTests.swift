import Testing
@testable import MeetSFU

/// The per-connection last-N selection (`VideoSelection`).
@Suite struct VideoSelectionTests {
    typealias Selection = VideoSelection<String, String>

    /// Tracks "a", "b", "c" of people "A", "B", "C".
    private func makeSelection() -> Selection {
        var selection = Selection(maximumTargets: 4)
        for name in ["a", "b", "c"] { expectTrue(!selection.trackAdded(name, target: name.uppercased())) }
        return selection
    }

    @Test func everythingForwardsUntilTheFirstSelection() {
        let selection = makeSelection()
        #expect(selection.selection == nil)
        #expect(selection.pausedCount == 0)
        #expect(selection.maxHeight(of: "a") == nil)
    }

    @Test func aSelectionPausesTheRestAndAChangeFlipsOnlyWhatChanged() throws {
        var selection = makeSelection()
        expectEqual(try selection.apply(["A": 360, "B": 180]), [.pause("c")])
        #expect(selection.maxHeight(of: "a") == 360)
        #expect(selection.maxHeight(of: "c") == nil)
        // The page moves on: B stays, A goes, C comes.
        expectEqual(try selection.apply(["B": 180, "C": 360]), [.pause("a"), .resume("c")])
        // Idempotent.
        expectEqual(try selection.apply(["B": 180, "C": 360]), [])
        // A height of 0 means "not this one".
        expectEqual(try selection.apply(["B": 0, "C": 360]), [.pause("b")])
        #expect(selection.pausedCount == 2)
    }

    @Test func aTrackAddedLaterFollowsTheSelectionInForce() throws {
        var selection = makeSelection()
        _ = try selection.apply(["A": 360, "D": 720])
        expectTrue(!selection.trackAdded("d1", target: "D")) // selected: forwards at once
        expectTrue(selection.trackAdded("e1", target: "E")) // not selected: starts paused
        // A reused section: the same key now carries someone else.
        expectTrue(selection.trackAdded("d1", target: "E"))
        selection.trackRemoved("e1")
        selection.trackRemoved("nobody")
        #expect(selection.trackCount == 4)
        #expect(selection.isPaused("d1"))
        #expect(!selection.isPaused("e1"))
    }

    @Test func clearingResumesEverything() throws {
        var selection = makeSelection()
        _ = try selection.apply([:])
        #expect(selection.pausedCount == 3)
        expectEqual(selection.clear(), [.resume("a"), .resume("b"), .resume("c")])
        #expect(selection.selection == nil)
    }

    @Test func anOversizedSelectionIsRefusedWhole() throws {
        var selection = makeSelection()
        _ = try selection.apply(["A": 360])
        #expect(throws: Selection.Error.tooManyTargets(count: 5, limit: 4)) {
            try selection.apply(["A": 1, "B": 1, "C": 1, "D": 1, "E": 1])
        }
        #expect(selection.selection == ["A": 360])
        #expect(selection.pausedCount == 2)
    }
}
