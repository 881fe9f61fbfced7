import MeetDTLS

/// JSEP's rules for a subsequent offer (RFC 8829 §5.2.2) from either side of
/// an established connection, and for applying its answer:
///
/// - every existing m-line stays, in order, with its mid, and changes as
///   its ``SectionChange`` says: kept (same codecs, extension ids, our
///   SSRC), rejected (port 0, for good), deactivated (`a=inactive`, still
///   bundled, no track) or reactivated (a new track with a fresh SSRC and
///   track id on the same m-line, which is how an SFU reuses the m-lines of
///   tracks that went instead of growing the SDP without end);
/// - the kinds in `appending` become new sections at the end, with fresh
///   mids (the next free integer, so a mid stays its m-line index for an
///   offerer that started at "0") and fresh SSRCs;
/// - `a=setup` states our current DTLS role (RFC 8842 §5.5: no new
///   association); ICE credentials are new when `restartCredentials` is
///   given (RFC 8839 §4.4.1.1.1).
enum ReofferRules {
    /// The kinds/removing form (screen share on a publisher, a subscriber
    /// transport that mirrors one publisher): ``changes(previous:kinds:removing:)``
    /// turns it into per-section changes.
    static func offer(
        previous: Negotiation, localTracks: [LocalTrack], kinds: [MediaKind], removing: Set<String>,
        local: LocalTransport, restartCredentials: ICECredentials?, policy: MediaPolicy, cname: String,
        newSSRC: () -> UInt32 = { UInt32.random(in: 1...UInt32.max) }
    ) -> (offer: SessionModel, tracks: [LocalTrack]) {
        let (changes, appending) = self.changes(previous: previous, kinds: kinds, removing: removing)
        return offer(
            previous: previous, localTracks: localTracks, changes: changes, appending: appending, local: local,
            restartCredentials: restartCredentials, policy: policy, cname: cname, newSSRC: newSSRC)
    }

    /// Walks the live sections in order: one is kept while its kind is the
    /// next wanted kind (and its mid is not in `removing`), else rejected;
    /// the wanted kinds left over are appended.
    static func changes(
        previous: Negotiation, kinds: [MediaKind], removing: Set<String>
    ) -> (changes: [String: SectionChange], appending: [MediaKind]) {
        var changes: [String: SectionChange] = [:]
        var wanted = kinds[...]
        for (index, section) in previous.local.sections.enumerated() {
            let keep = previous.isLive(index) && !removing.contains(section.mid)
                && wanted.first.map { $0.rawValue == section.kind } == true
            if keep { wanted.removeFirst() }
            changes[section.mid] = keep ? .keep : .reject
        }
        return (changes, Array(wanted))
    }

    /// A re-offer that changes each existing m-line as `changes` says (by
    /// mid; an m-line not named is kept) and appends one section per kind
    /// of `appending`. A section that is not live (rejected by either side)
    /// stays rejected whatever `changes` says; ``SectionChange/reactivate``
    /// of a section that still carries our track gives it a new track.
    static func offer(
        previous: Negotiation, localTracks: [LocalTrack], changes: [String: SectionChange], appending: [MediaKind],
        local: LocalTransport, restartCredentials: ICECredentials?, policy: MediaPolicy, cname: String,
        newSSRC: () -> UInt32 = { UInt32.random(in: 1...UInt32.max) }
    ) -> (offer: SessionModel, tracks: [LocalTrack]) {
        let streamID = localTracks.first?.streamID ?? RandomString.make(length: 12)
        /// A reused m-line's track gets a track id of its own (its SSRC in
        /// base 36), so the peer sees a new track (a `track` event in a browser).
        func newTrack(mid: String, kind: MediaKind, reused: Bool) -> LocalTrack {
            let ssrc = newSSRC()
            let suffix = reused ? "-\(String(ssrc, radix: 36))" : ""
            return LocalTrack(
                mid: mid, kind: kind, ssrc: ssrc, cname: cname, streamID: streamID,
                trackID: "\(kind.rawValue)-\(mid)\(suffix)",
                rtxSSRC: kind == .video && policy.offersRTX ? newSSRC() : nil)
        }
        func sending(_ section: MediaSectionModel, _ track: LocalTrack) -> MediaSectionModel {
            var section = section
            section.direction = previous.offerDirection
            section.msid = (streamID, track.trackID)
            section.cname = cname
            OfferRules.announce(track, in: &section)
            return section
        }
        var sections: [MediaSectionModel] = []
        var tracks: [LocalTrack] = []
        for (index, section) in previous.local.sections.enumerated() {
            let change = previous.isLive(index) ? changes[section.mid] ?? .keep : .reject
            switch change {
            case .reject:
                sections.append(AnswerRules.rejected(section))
            case .keep:
                sections.append(section)
                if let track = localTracks.first(where: { $0.mid == section.mid }) { tracks.append(track) }
            case .deactivate:
                // RFC 8829 §5.2.2: the m-line stays (bundled), nothing flows on it.
                var idle = section
                idle.direction = .inactive
                idle.msid = nil
                idle.cname = nil
                idle.ssrcs = []
                idle.ssrcGroups = []
                sections.append(idle)
            case .reactivate:
                guard previous.offerDirection.sends, let kind = MediaKind(rawValue: section.kind) else {
                    sections.append(section)
                    continue
                }
                let track = newTrack(mid: section.mid, kind: kind, reused: true)
                sections.append(sending(section, track))
                tracks.append(track)
            }
        }

        // RFC 8843 §9.1 / RFC 8285 §6: one id per URI across the bundle.
        var extensionIDs: [String: UInt8] = [:]
        for section in previous.local.sections {
            for ext in section.extensions where extensionIDs[ext.uri] == nil { extensionIDs[ext.uri] = ext.id }
        }
        for uri in policy.headerExtensions + policy.audioHeaderExtensions where extensionIDs[uri] == nil {
            guard let free = (1...14).map(UInt8.init).first(where: { !extensionIDs.values.contains($0) }) else { break }
            extensionIDs[uri] = free
        }
        func extensions(for kind: MediaKind) -> [HeaderExtensionModel] {
            policy.headerExtensions(forKind: kind.rawValue).compactMap { uri in
                extensionIDs[uri].map { HeaderExtensionModel(id: $0, uri: uri) }
            }
        }

        var usedMids = Set(sections.map(\.mid))
        var next = sections.count
        for kind in appending {
            while usedMids.contains(String(next)) { next += 1 }
            let mid = String(next)
            usedMids.insert(mid)
            let section = MediaSectionModel(
                kind: kind.rawValue, mid: mid, direction: previous.offerDirection,
                codecs: OfferRules.codecs(for: kind, policy: policy), extensions: extensions(for: kind))
            if previous.offerDirection.sends {
                let track = newTrack(mid: mid, kind: kind, reused: false)
                sections.append(sending(section, track))
                tracks.append(track)
            } else {
                sections.append(section)
            }
        }
        let transport = TransportModel(
            iceUfrag: restartCredentials?.ufrag ?? local.iceUfrag,
            icePassword: restartCredentials?.password ?? local.icePassword, iceLite: local.iceLite,
            fingerprints: [local.fingerprint], setup: previous.currentSetup, candidates: [local.candidate])
        let bundle = sections.filter { $0.port != 0 }.map(\.mid)
        return (SessionModel(transport: transport, bundle: bundle, sections: sections), tracks)
    }

    /// Applies the answer to a re-offer: same certificate, same DTLS roles,
    /// new remote ICE credentials if (and only if) we restarted ICE.
    static func apply(
        answer: SessionModel, to offer: SessionModel, tracks: [LocalTrack], previous: Negotiation, restartingICE: Bool
    ) throws(NegotiationError) -> NegotiationResult {
        try previous.checkSameFingerprints(answer.transport)
        guard answer.sections.count == offer.sections.count,
              zip(answer.sections, offer.sections).allSatisfy({ $0.mid == $1.mid || $0.port == 0 })
        else { throw .malformed("the answer's m-lines do not match the re-offer's") }
        let changedCredentials = answer.transport.iceUfrag != previous.remote.transport.iceUfrag
            || answer.transport.icePassword != previous.remote.transport.icePassword
        if restartingICE && !changedCredentials {
            throw .missing("new ice-ufrag/ice-pwd in the answer to an ICE restart (RFC 8839 §4.4.1.1.1)")
        }
        if !restartingICE && changedCredentials {
            throw .unsupported("new ICE credentials in an answer to a re-offer that did not restart ICE")
        }
        // Every section idle (a node connection whose publishers all left) is a valid state.
        let allIdle = offer.sections.allSatisfy { $0.port == 0 || $0.direction == .inactive }
        let result = try OfferRules.apply(answer: answer, to: offer, localTracks: tracks, allowingNoMedia: allIdle)
        guard result.dtlsRole == previous.dtlsRole else {
            throw .unsupported("an answer that swaps the DTLS roles (a new DTLS association)")
        }
        return result
    }
}
