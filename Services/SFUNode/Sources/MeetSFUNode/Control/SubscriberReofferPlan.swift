import MeetRTC

/// What a subscriber transport's re-offer (`sfu.renegotiate-subscriber`)
/// must do to mirror its publisher's current tracks, worked out from the
/// sections it has: a kept track keeps its section (and the down-track's
/// numbering), a section whose publisher track is gone is removed (port 0),
/// and each new publisher track gets a section appended, in order.
struct SubscriberReofferPlan: Equatable {
    /// The kinds of the sections the re-offer carries: kept ones, then added ones.
    var kinds: [MeetRTC.MediaKind] = []
    /// Our sections (mids) to remove.
    var removing: Set<String> = []
    /// Publisher track mid → our section mid, for the tracks that stay.
    var kept: [String: String] = [:]
    /// Publisher track mids that get a new section, in order.
    var added: [String] = []

    /// - Parameters:
    ///   - sections: publisher track mid → our section mid, as last answered.
    ///   - localTracks: our sections now.
    ///   - publisherTracks: the publisher's tracks now.
    init(sections: [String: String], localTracks: [LocalTrack], publisherTracks: [RemoteTrack]) {
        let published = Set(publisherTracks.map(\.mid))
        for local in localTracks {
            if let publisherMid = sections.first(where: { $0.value == local.mid })?.key, published.contains(publisherMid) {
                kinds.append(local.kind)
                kept[publisherMid] = local.mid
            } else {
                removing.insert(local.mid)
            }
        }
        let added = publisherTracks.filter { kept[$0.mid] == nil }
        kinds += added.map(\.kind)
        self.added = added.map(\.mid)
    }

    /// The mapping once the re-offer is out: the kept sections, and the
    /// re-offer's new sections (`newMids`, in order) for the added tracks;
    /// nil when their number does not match.
    func sections(newMids: [String]) -> [String: String]? {
        guard newMids.count == added.count else { return nil }
        var sections = kept
        for (publisherMid, mid) in zip(added, newMids) { sections[publisherMid] = mid }
        return sections
    }
}
