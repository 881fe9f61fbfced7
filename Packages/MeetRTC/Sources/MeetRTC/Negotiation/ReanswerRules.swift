import MeetDTLS

/// The outcome of a subsequent offer/answer exchange on an established
/// connection.
struct RenegotiationResult: Sendable {
    var result: NegotiationResult
    /// The new local ICE credentials when the exchange restarts ICE
    /// (RFC 8839 §4.4.1.1.1), nil otherwise.
    var restartCredentials: ICECredentials?
}

/// JSEP's rules for answering a subsequent offer (RFC 8829 §5.3.2, §5.2.2)
/// on a connection whose DTLS association stays:
///
/// - m-lines keep their order and mids; the offer may only append new ones
///   (or recycle an m-line that was rejected before);
/// - a section we answered before keeps its codecs' payload types and our
///   track on it (same SSRC); a new section is answered like a first one;
/// - port 0 removes a section (answered with port 0); `a=inactive` keeps the
///   m-line but stops media on it; either way its remote track goes;
/// - new `ice-ufrag`/`ice-pwd` restart ICE (RFC 8839 §4.4.1.1.1): the answer
///   carries new local credentials too;
/// - the fingerprint must stay (a new one would mean a new DTLS association,
///   RFC 8842 §5.5, which we do not do), and `a=setup` may not flip roles.
enum ReanswerRules {
    static func answer(
        toReoffer offer: SessionModel, previous: Negotiation, localTracks: [LocalTrack], local: LocalTransport,
        freshCredentials: ICECredentials, policy: MediaPolicy, cname: String,
        newSSRC: () -> UInt32 = { UInt32.random(in: 1...UInt32.max) }
    ) throws(NegotiationError) -> RenegotiationResult {
        guard !offer.bundle.isEmpty else { throw .unsupported("an offer without a=group:BUNDLE") }
        try previous.checkSameFingerprints(offer.transport)
        switch (offer.transport.setup, previous.dtlsRole) {
        case (.actpass, _), (.active, .server), (.passive, .client): break
        default: throw .unsupported("a=setup:\(offer.transport.setup.rawValue) in a re-offer would swap the DTLS roles")
        }
        let before = previous.remote.sections
        guard offer.sections.count >= before.count else {
            throw .unsupported("a re-offer with fewer m-lines than before (RFC 8829 §5.2.2)")
        }
        for (index, old) in before.enumerated() where previous.isLive(index) {
            let offered = offer.sections[index]
            guard offered.mid == old.mid, offered.kind == old.kind else {
                throw .unsupported("a re-offer that reorders or renames m-lines (mid \(old.mid) at index \(index))")
            }
        }

        let streamID = localTracks.first?.streamID ?? RandomString.make(length: 12)
        var sections: [MediaSectionModel] = []
        var remoteTracks: [RemoteTrack] = []
        var newLocalTracks: [LocalTrack] = []
        for (index, offered) in offer.sections.enumerated() {
            let isExisting = previous.isLive(index)
            let existingTrack = isExisting ? localTracks.first { $0.mid == offered.mid } : nil
            var answered = AnswerRules.answerSection(
                offered, bundle: offer.bundle, policy: policy,
                wantSend: isExisting ? existingTrack != nil : previous.sendBack,
                newTrack: { kind in
                    existingTrack ?? LocalTrack(
                        mid: offered.mid, kind: kind, ssrc: newSSRC(), cname: cname,
                        streamID: streamID, trackID: "\(offered.kind)-\(offered.mid)")
                })
            if answered.section.port != 0, offered.direction == .inactive {
                // Kept in the bundle, but no media either way.
                answered.section.direction = .inactive
                answered.localTrack = nil
                answered.remoteTrack = nil
            }
            sections.append(answered.section)
            if let track = answered.localTrack { newLocalTracks.append(track) }
            if let track = answered.remoteTrack { remoteTracks.append(track) }
        }
        let accepted = sections.filter { $0.port != 0 }.map(\.mid)
        guard !accepted.isEmpty else { throw .nothingAccepted }

        let restart = offer.transport.iceUfrag != previous.remote.transport.iceUfrag
            || offer.transport.icePassword != previous.remote.transport.icePassword
        var transport = local
        if restart {
            transport.iceUfrag = freshCredentials.ufrag
            transport.icePassword = freshCredentials.password
        }
        let model = TransportModel(
            iceUfrag: transport.iceUfrag, icePassword: transport.icePassword, iceLite: transport.iceLite,
            fingerprints: [transport.fingerprint], setup: previous.currentSetup, candidates: [transport.candidate])
        let result = NegotiationResult(
            local: SessionModel(transport: model, bundle: accepted, sections: sections),
            remoteTracks: remoteTracks, localTracks: newLocalTracks, dtlsRole: previous.dtlsRole)
        return RenegotiationResult(result: result, restartCredentials: restart ? freshCredentials : nil)
    }
}
