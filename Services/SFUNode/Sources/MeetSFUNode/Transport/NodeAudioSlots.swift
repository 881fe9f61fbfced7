import MeetRTC
import MeetSFU

/// The audio slots of one node connection (docs/dev/audio-slots.md): a
/// fixed number of audio sections, each carrying the audio of one of the
/// publishers the connection carries at a time, the loudest first
/// (``AudioSlotAssignment``), so a subscriber in a large room gets a few
/// audio streams per node instead of one per publisher. A slot keeps its
/// section and SSRC; when it changes speaker its down-track moves to the
/// new speaker's router and its numbering goes on where it stopped
/// (``DownTrack/continueStream(of:)``), so the subscriber's jitter buffer
/// sees one stream with a pause, never a jump.
///
/// Owned by its ``SubscriberTransport``, on the plane's event loop.
/// Without slots (`count` 0) the connection carries each publisher's audio
/// in a section of its own, as before.
struct NodeAudioSlots {
    /// The `publisher` of the slot sections' ``SubscribedTrack`` keys (never a transport id).
    static let sectionOwner = "~audio-slot"

    /// Where slot `n` goes on the connection (its section's SSRC, codecs
    /// and our offer's header extension ids); set once the answer is applied.
    struct Route {
        var ssrc: UInt32
        var payloadTypes: [String: UInt8]
        var extensionIDs: [String: UInt8]
    }

    private(set) var assignment = AudioSlotAssignment<SubscribedTrack>(slots: 0)
    private var routes: [Int: Route] = [:]
    /// A slot that went idle keeps its last down-track, so the next speaker
    /// it takes continues the same numbering.
    private var parked: [Int: DownTrack] = [:]
    /// The last active-speaker round's levels (the node's, by track).
    private(set) var levels: [SubscribedTrack: Int] = [:]

    var count: Int { assignment.slots }

    /// The key of slot `n`'s section.
    static func section(_ slot: Int) -> SubscribedTrack { SubscribedTrack(publisher: sectionOwner, mid: String(slot)) }

    /// The slot sections to carry, in slot order.
    var wantedSections: [(track: SubscribedTrack, kind: MeetRTC.MediaKind)] {
        (0..<count).map { (Self.section($0), .audio) }
    }

    /// The slot sections' mids, in slot order (for the client's offer), from a section mapping.
    func mids(in sections: [SubscribedTrack: String]) -> [String] {
        (0..<count).compactMap { sections[Self.section($0)] }
    }

    /// A new number of slots (the client asked for another at its last
    /// subscribe). The extra slots' down-tracks go now; their sections go
    /// idle at the next re-offer.
    mutating func resize(to slots: Int, handle: Int, publishers: [PublisherTransport]) {
        guard slots != count else { return }
        apply(assignment.resize(to: slots), handle: handle, publishers: publishers, now: .now)
        for slot in routes.keys where slot >= slots { routes[slot] = nil }
        for slot in parked.keys where slot >= slots { parked[slot] = nil }
    }

    /// Reads the slot sections' routes once an answer is applied. A slot
    /// whose section changed (new SSRC) loses its speaker's down-track; the
    /// next ``round(levels:handle:publishers:now:)`` fills it again.
    mutating func installRoutes(
        sections: [SubscribedTrack: String], connection: PeerConnection, offered: [String: [String: UInt8]],
        handle: Int, publishers: [PublisherTransport]
    ) {
        var fresh: [Int: Route] = [:]
        for slot in 0..<count {
            guard let mid = sections[Self.section(slot)],
                  let local = connection.localTracks.first(where: { $0.mid == mid }), local.kind == .audio
            else { continue }
            var payloadTypes: [String: UInt8] = [:]
            for codec in connection.negotiatedSendCodecs(mid: mid) where payloadTypes[codec.name.lowercased()] == nil {
                payloadTypes[codec.name.lowercased()] = codec.payloadType
            }
            fresh[slot] = Route(ssrc: local.ssrc, payloadTypes: payloadTypes, extensionIDs: offered[mid] ?? [:])
        }
        for slot in 0..<count where routes[slot]?.ssrc != fresh[slot]?.ssrc {
            parked[slot] = nil
            guard let occupant = assignment.vacate(slot), handle >= 0,
                  let publisher = publishers.first(where: { $0.id == occupant.publisher }),
                  let ssrc = Self.ssrc(of: occupant.mid, in: publisher)
            else { continue }
            publisher.router.removeDownTrack(publisherSSRC: ssrc, subscriber: handle)
        }
        routes = fresh
    }

    /// One round: the slots follow the loudest of `publishers`' audio tracks
    /// (`levels`: the node's last round; nil keeps the last one). Moves the
    /// down-tracks of the slots that changed speaker; a `departing`
    /// publisher (being taken off) is no candidate, but its slots' streams
    /// are handed on from its router.
    mutating func round(
        levels: [SubscribedTrack: Int]?, handle: Int, publishers: [PublisherTransport],
        departing: PublisherTransport? = nil, now: ContinuousClock.Instant
    ) {
        if let levels { self.levels = levels }
        // Until the answer gave every slot its section, a speaker placed would get no down-track.
        guard count > 0, handle >= 0, routes.count == count else { return }
        let candidates = publishers.flatMap { publisher in
            publisher.remoteTracks.filter { $0.kind == .audio && Self.ssrc(of: $0.mid, in: publisher) != nil }
                .map { SubscribedTrack(publisher: publisher.id, mid: $0.mid) }
        }
        apply(
            assignment.assign(candidates: candidates, levels: self.levels), handle: handle,
            publishers: publishers + (departing.map { [$0] } ?? []), now: now)
    }

    /// Forgets every down-track (the connection detached: the routers' own
    /// `removeSubscriber` removed them).
    mutating func reset() {
        assignment = AudioSlotAssignment(slots: count)
        parked = [:]
    }

    private mutating func apply(
        _ changes: [AudioSlotAssignment<SubscribedTrack>.Change], handle: Int, publishers: [PublisherTransport],
        now: ContinuousClock.Instant
    ) {
        guard handle >= 0 else { return }
        let byId = Dictionary(publishers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for change in changes {
            var stream = parked.removeValue(forKey: change.slot)
            if let previous = change.previous, let publisher = byId[previous.publisher],
               let ssrc = Self.ssrc(of: previous.mid, in: publisher),
               let taken = publisher.router.takeDownTrack(publisherSSRC: ssrc, subscriber: handle) {
                stream = taken
            }
            guard let next = change.next, let publisher = byId[next.publisher],
                  let ssrc = Self.ssrc(of: next.mid, in: publisher), let track = publisher.routed[ssrc],
                  let route = routes[change.slot], let payloadType = route.payloadTypes[track.codec.name.lowercased()]
            else {
                if let stream { parked[change.slot] = stream }
                continue
            }
            let extensionIDs = ExtensionIDTable(publisher: publisher.extensionIDs[next.mid] ?? [:], subscriber: route.extensionIDs)
            publisher.router.removeDownTrack(publisherSSRC: ssrc, subscriber: handle)
            publisher.router.addDownTrack(
                publisherSSRC: ssrc, subscriber: handle, ssrc: route.ssrc,
                payloadType: payloadType == track.codec.payloadType ? nil : payloadType,
                extensionIDs: extensionIDs, continuing: stream, now: now)
        }
    }

    /// The router SSRC of a publisher's section `mid` (not a simulcast layer).
    static func ssrc(of mid: String, in publisher: PublisherTransport) -> UInt32? {
        publisher.routed.first { $0.value.mid == mid && !$0.value.isSimulcastLayer }?.key
    }
}
