import MeetRTC

/// One track a subscriber connection carries: section `mid` of publisher
/// transport `publisher` on this node.
struct SubscribedTrack: Hashable, Sendable, CustomStringConvertible {
    var publisher: String
    var mid: String

    var description: String { "\(publisher):\(mid)" }
}

/// The re-offer that takes a per-node subscriber connection (one
/// PeerConnection carrying the tracks of every publisher the subscriber
/// watches on this node, docs/dev/subscriber-connections-status.md) from the
/// tracks it carries to the tracks it should carry. Sans-I/O: no connection,
/// no SDP; ``PeerConnection/createReoffer(changes:appending:iceRestart:policy:)``
/// makes the offer from it.
///
/// - A wanted track it carries keeps its section (its down-track keeps its
///   numbering).
/// - A carried track no longer wanted (unsubscribed, or its publisher
///   left) leaves its section `a=inactive`: the m-line stays, idle.
/// - A new wanted track takes an idle section of its kind (the lowest mid;
///   one idled by this same re-offer counts) with a fresh SSRC, and only
///   when none is left gets a section appended. So the SDP grows to the
///   most tracks carried at once, never with the churn.
struct SubscriberSectionPlan: Equatable {
    /// What the re-offer does with each existing section, by mid.
    var changes: [String: SectionChange] = [:]
    /// Kinds of the sections appended, in order (for ``added``).
    var appending: [MeetRTC.MediaKind] = []
    /// Tracks that stay, with their sections.
    var kept: [SubscribedTrack: String] = [:]
    /// Tracks that reuse an idle section, with it.
    var reused: [SubscribedTrack: String] = [:]
    /// Tracks that get an appended section, in order.
    var added: [SubscribedTrack] = []
    /// Idle sections once the re-offer is answered: mid → kind.
    var idle: [String: MeetRTC.MediaKind] = [:]

    /// - Parameters:
    ///   - sections: the tracks carried now → their section mids, as last answered.
    ///   - idle: the idle (inactive) sections now: mid → kind.
    ///   - kinds: the kind of each section carried now, by mid.
    ///   - wanted: the tracks to carry, in the order new ones get sections.
    init(
        sections: [SubscribedTrack: String], kinds: [String: MeetRTC.MediaKind], idle: [String: MeetRTC.MediaKind],
        wanted: [(track: SubscribedTrack, kind: MeetRTC.MediaKind)]
    ) {
        let wantedSet = Set(wanted.map(\.track))
        var free = idle
        for (track, mid) in sections {
            if wantedSet.contains(track) {
                kept[track] = mid
                changes[mid] = .keep
            } else if let kind = kinds[mid] {
                changes[mid] = .deactivate
                free[mid] = kind
            }
        }
        for (track, kind) in wanted where kept[track] == nil && reused[track] == nil && !added.contains(track) {
            let candidates = free.filter { $0.value == kind }.keys
            if let mid = candidates.min(by: Self.midOrder) {
                free.removeValue(forKey: mid)
                reused[track] = mid
                changes[mid] = .reactivate
            } else {
                added.append(track)
                appending.append(kind)
            }
        }
        self.idle = free
    }

    /// True when the re-offer changes nothing (no offer needed).
    var isEmpty: Bool { appending.isEmpty && !changes.values.contains { $0 != .keep } }

    /// The mapping once the re-offer is out: kept and reused sections, and
    /// the re-offer's appended sections (`newMids`, in order) for the added
    /// tracks; nil when their number does not match.
    func sections(newMids: [String]) -> [SubscribedTrack: String]? {
        guard newMids.count == added.count else { return nil }
        var sections = kept.merging(reused) { $1 }
        for (track, mid) in zip(added, newMids) { sections[track] = mid }
        return sections
    }

    /// Numeric mids in number order (ours are "0", "1", ...), others after, by text.
    static func midOrder(_ a: String, _ b: String) -> Bool {
        switch (Int(a), Int(b)) {
        case let (x?, y?): x < y
        case (_?, nil): true
        case (nil, _?): false
        case (nil, nil): a < b
        }
    }
}
