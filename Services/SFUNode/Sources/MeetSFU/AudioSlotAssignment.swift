/// Which audio tracks fill a subscriber connection's audio slots: a fixed
/// number of audio sections (``slots``) whose SSRCs never change, each
/// carrying one publisher's audio at a time, so a subscriber in a large room
/// gets the loudest few speakers instead of one stream per publisher
/// (docs/dev/audio-slots.md). Sans-I/O and generic over the track key: the
/// node feeds it each active-speaker round and moves down-tracks for the
/// changes it returns.
///
/// Rules, for a ranking that stays still while nobody's level changes:
/// - the wanted set is the `slots` loudest candidates above silence;
/// - an occupant that is still wanted keeps its slot (no switch, no
///   re-anchor for the subscriber);
/// - a wanted newcomer takes a free slot, else the slot of an occupant that
///   is no longer wanted (the first such slot);
/// - a slot nobody wanted keeps its occupant while it is still a candidate
///   (a silent speaker costs a few DTX packets, a switch costs a re-anchor),
///   and an empty one is filled with the first candidates not placed, so a
///   room where nobody speaks yet still hears its first publishers start.
public struct AudioSlotAssignment<Track: Hashable & Sendable>: Sendable {
    /// One slot's new occupant (nil: it goes idle).
    public struct Change: Sendable, Equatable {
        public var slot: Int
        public var previous: Track?
        public var next: Track?
    }

    /// Slot → its track; nil: idle.
    public private(set) var occupants: [Track?]

    public init(slots: Int) {
        occupants = Array(repeating: nil, count: max(0, slots))
    }

    public var slots: Int { occupants.count }

    /// The slot carrying `track`, if any.
    public func slot(of track: Track) -> Int? { occupants.firstIndex { $0 == track } }

    /// Changes the number of slots: the extra ones go idle (returned as
    /// changes), new ones start empty.
    public mutating func resize(to count: Int) -> [Change] {
        let count = max(0, count)
        var changes: [Change] = []
        if count < occupants.count {
            for slot in count..<occupants.count where occupants[slot] != nil {
                changes.append(Change(slot: slot, previous: occupants[slot], next: nil))
            }
            occupants.removeLast(occupants.count - count)
        } else {
            occupants += Array(repeating: nil, count: count - occupants.count)
        }
        return changes
    }

    /// Empties a slot (its section changed under it); returns the track it had.
    public mutating func vacate(_ slot: Int) -> Track? {
        guard occupants.indices.contains(slot) else { return nil }
        defer { occupants[slot] = nil }
        return occupants[slot]
    }

    /// One round.
    /// - Parameters:
    ///   - candidates: every track that may take a slot, in the order to fill
    ///     empty slots with (the order the subscriber added its publishers).
    ///   - levels: smoothed level per track (``AudioLevelMeter/level``);
    ///     missing or 0 is silent.
    /// - Returns: the slots whose occupant changed, in slot order.
    public mutating func assign(candidates: [Track], levels: [Track: Int]) -> [Change] {
        let candidateSet = Set(candidates)
        let before = occupants
        // Wanted: the loudest above silence, equal levels in candidate order.
        let order = Dictionary(candidates.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let wanted = candidates.filter { (levels[$0] ?? 0) > 0 }
            .sorted { (levels[$0] ?? 0, order[$1] ?? 0) > (levels[$1] ?? 0, order[$0] ?? 0) }
            .prefix(slots)
        let wantedSet = Set(wanted)
        // Occupants that left the candidates go first.
        for slot in occupants.indices where occupants[slot].map({ !candidateSet.contains($0) }) ?? false {
            occupants[slot] = nil
        }
        var placed = Set(occupants.compactMap { $0 })
        for track in wanted where !placed.contains(track) {
            let slot = occupants.firstIndex { $0 == nil }
                ?? occupants.firstIndex { $0.map { !wantedSet.contains($0) } ?? false }
            guard let slot else { break }
            if let evicted = occupants[slot] { placed.remove(evicted) }
            occupants[slot] = track
            placed.insert(track)
        }
        var fillers = candidates.filter { !placed.contains($0) }.makeIterator()
        for slot in occupants.indices where occupants[slot] == nil {
            guard let track = fillers.next() else { break }
            occupants[slot] = track
        }
        return occupants.indices.compactMap { slot in
            before[slot] == occupants[slot] ? nil : Change(slot: slot, previous: before[slot], next: occupants[slot])
        }
    }
}
