import MeetDTLS

/// JSEP's rules for a subsequent offer (RFC 8829 §5.2.2) from either side of
/// an established connection, and for applying its answer:
///
/// - every existing m-line stays, in order, with its mid;
/// - a live section is kept (same codecs, extension ids, our SSRC) while
///   `kinds` still wants it: walking the live sections in order, one is kept
///   when its kind is the next wanted kind, otherwise (or when its mid is in
///   `removing`) it is offered with port 0, which removes it;
/// - the wanted kinds left over become new sections appended at the end,
///   with fresh mids (the next free integer, so a mid stays its m-line
///   index for an offerer that started at "0") and fresh SSRCs;
/// - `a=setup` states our current DTLS role (RFC 8842 §5.5: no new
///   association); ICE credentials are new when `restartCredentials` is
///   given (RFC 8839 §4.4.1.1.1).
enum ReofferRules {
    static func offer(
        previous: Negotiation, localTracks: [LocalTrack], kinds: [MediaKind], removing: Set<String>,
        local: LocalTransport, restartCredentials: ICECredentials?, policy: MediaPolicy, cname: String,
        newSSRC: () -> UInt32 = { UInt32.random(in: 1...UInt32.max) }
    ) -> (offer: SessionModel, tracks: [LocalTrack]) {
        var sections: [MediaSectionModel] = []
        var tracks: [LocalTrack] = []
        var wanted = kinds[...]
        for (index, section) in previous.local.sections.enumerated() {
            let keep = previous.isLive(index) && !removing.contains(section.mid)
                && wanted.first.map { $0.rawValue == section.kind } == true
            guard keep else {
                sections.append(AnswerRules.rejected(section))
                continue
            }
            wanted.removeFirst()
            sections.append(section)
            if let track = localTracks.first(where: { $0.mid == section.mid }) { tracks.append(track) }
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

        let streamID = localTracks.first?.streamID ?? RandomString.make(length: 12)
        var usedMids = Set(sections.map(\.mid))
        var next = sections.count
        for kind in wanted {
            while usedMids.contains(String(next)) { next += 1 }
            let mid = String(next)
            usedMids.insert(mid)
            var section = MediaSectionModel(
                kind: kind.rawValue, mid: mid, direction: previous.offerDirection,
                codecs: OfferRules.codecs(for: kind, policy: policy), extensions: extensions(for: kind))
            if previous.offerDirection.sends {
                let track = LocalTrack(mid: mid, kind: kind, ssrc: newSSRC(), cname: cname, streamID: streamID, trackID: "\(kind.rawValue)-\(mid)")
                section.msid = (streamID, track.trackID)
                section.cname = cname
                section.ssrcs = [track.ssrc]
                tracks.append(track)
            }
            sections.append(section)
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
        let result = try OfferRules.apply(answer: answer, to: offer, localTracks: tracks)
        guard result.dtlsRole == previous.dtlsRole else {
            throw .unsupported("an answer that swaps the DTLS roles (a new DTLS association)")
        }
        return result
    }
}
