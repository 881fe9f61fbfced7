public import MeetDTLS

/// Our side of a negotiation: ICE credentials, certificate fingerprint and
/// the one host candidate (the shared media port).
public struct LocalTransport: Sendable, Equatable {
    public var iceUfrag: String
    public var icePassword: String
    public var fingerprint: DTLSFingerprint
    public var candidateIP: String
    public var candidatePort: Int
    /// ICE-lite (the server side, RFC 8445 §2.5).
    public var iceLite: Bool

    /// Host candidate priority (RFC 8445 §5.1.2.1): type preference 126,
    /// local preference 65535, component 1.
    public static let hostPriority: UInt32 = (126 << 24) | (65535 << 8) | (256 - 1)

    public var candidate: CandidateModel {
        CandidateModel(foundation: "1", component: 1, priority: Self.hostPriority, address: candidateIP, port: candidatePort)
    }
}

/// The outcome of applying an offer or an answer.
public struct NegotiationResult: Sendable {
    /// The description we send (our answer or our offer).
    public var local: SessionModel
    public var remoteTracks: [RemoteTrack]
    public var localTracks: [LocalTrack]
    /// The DTLS role we take (RFC 8842 §5.1).
    public var dtlsRole: DTLSRole
}

/// JSEP's answer rules (RFC 8829 §5.3) as Chrome and aiortc expect them from
/// an ICE-lite server: everything BUNDLEd on one transport (RFC 8843 §7.3),
/// rtcp-mux required (RFC 8858), `a=setup:passive` for an `actpass` offer,
/// offered payload types and extension ids kept, unusable sections rejected
/// with port 0 (§5.3.1).
public enum AnswerRules {
    /// Builds the answer to `offer`.
    ///
    /// - Parameters:
    ///   - sendBack: send a track of our own on every section the offerer
    ///     can receive on (the echo peer, or an SFU offering tracks back).
    ///   - cname: RTCP CNAME of our tracks (RFC 7022).
    public static func answer(
        to offer: SessionModel, local: LocalTransport, policy: MediaPolicy, sendBack: Bool, cname: String,
        newSSRC: () -> UInt32 = { UInt32.random(in: 1...UInt32.max) }
    ) throws(NegotiationError) -> NegotiationResult {
        guard !offer.bundle.isEmpty else { throw .unsupported("an offer without a=group:BUNDLE") }
        // RFC 8842 §5.1: an actpass offer lets the answerer choose. The ICE-lite
        // server stays passive (the browser then starts DTLS as soon as its
        // check succeeds); a full-ICE answerer (our client) takes active, as
        // browsers do.
        let dtlsRole: DTLSRole
        let setup: DTLSSetup
        switch offer.transport.setup {
        case .actpass where !local.iceLite, .passive: (dtlsRole, setup) = (.client, .active)
        case .actpass, .active: (dtlsRole, setup) = (.server, .passive)
        }
        guard !offer.transport.fingerprints.isEmpty else { throw .missing("a=fingerprint") }

        var sections: [MediaSectionModel] = []
        var remoteTracks: [RemoteTrack] = []
        var localTracks: [LocalTrack] = []
        let streamID = RandomString.make(length: 12)
        for offered in offer.sections {
            let answered = answerSection(
                offered, bundle: offer.bundle, policy: policy, wantSend: sendBack,
                newTrack: { kind in
                    LocalTrack(mid: offered.mid, kind: kind, ssrc: newSSRC(), cname: cname,
                               streamID: streamID, trackID: "\(offered.kind)-\(offered.mid)")
                })
            sections.append(answered.section)
            if let track = answered.localTrack { localTracks.append(track) }
            if let track = answered.remoteTrack { remoteTracks.append(track) }
        }
        let accepted = sections.filter { $0.port != 0 }.map(\.mid)
        guard !accepted.isEmpty else { throw .nothingAccepted }
        let transport = TransportModel(
            iceUfrag: local.iceUfrag, icePassword: local.icePassword, iceLite: local.iceLite,
            fingerprints: [local.fingerprint], setup: setup, candidates: [local.candidate])
        return NegotiationResult(
            local: SessionModel(transport: transport, bundle: accepted, sections: sections),
            remoteTracks: remoteTracks, localTracks: localTracks, dtlsRole: dtlsRole)
    }

    /// The answer to one offered section (RFC 8829 §5.3.1): rejected with
    /// port 0 when unusable (unknown kind, not SAVPF, not BUNDLEd, no
    /// rtcp-mux, no codec we take); else our codecs and extensions, the
    /// direction from `wantSend`, and `newTrack` asked for our track when we
    /// send on it. Shared by first answers and answers to re-offers.
    static func answerSection(
        _ offered: MediaSectionModel, bundle: [String], policy: MediaPolicy, wantSend: Bool,
        newTrack: (MediaKind) -> LocalTrack
    ) -> (section: MediaSectionModel, localTrack: LocalTrack?, remoteTrack: RemoteTrack?) {
        guard let kind = MediaKind(rawValue: offered.kind),
              offered.port != 0, offered.proto.uppercased().contains("SAVPF"),
              bundle.contains(offered.mid), offered.rtcpMux
        else { return (rejected(offered), nil, nil) }
        let codecs = policy.acceptedCodecs(of: offered)
        guard !codecs.isEmpty else { return (rejected(offered), nil, nil) }
        let direction = MediaDirection.answering(offered.direction, wantSend: wantSend, wantReceive: true)
        var answered = MediaSectionModel(
            kind: offered.kind, port: 9, proto: offered.proto, mid: offered.mid, direction: direction,
            rtcpMux: true, rtcpReducedSize: offered.rtcpReducedSize, codecs: codecs,
            extensions: policy.acceptedExtensions(of: offered)
        )
        if direction.receives { answered.simulcast = policy.answeredSimulcast(of: offered) }
        var localTrack: LocalTrack?
        if direction.sends {
            let track = newTrack(kind)
            answered.msid = (track.streamID, track.trackID)
            answered.cname = track.cname
            answered.ssrcs = [track.ssrc]
            localTrack = track
        }
        var remoteTrack: RemoteTrack?
        if direction.receives {
            remoteTrack = RemoteTrack(
                mid: offered.mid, kind: kind, ssrcs: offered.ssrcs, streamID: offered.msid?.stream,
                trackID: offered.msid?.track, codecs: codecs, rids: answered.simulcast?.rids ?? [])
        }
        return (answered, localTrack, remoteTrack)
    }

    /// A rejected section (RFC 8829 §5.3.1): port 0, inactive, one format kept
    /// so the m= line stays valid.
    static func rejected(_ offered: MediaSectionModel) -> MediaSectionModel {
        var section = MediaSectionModel(
            kind: offered.kind, port: 0, proto: offered.proto, mid: offered.mid, direction: .inactive,
            rtcpMux: false, codecs: Array(offered.codecs.prefix(1)))
        section.formats = Array(offered.mediaFormats.prefix(1))
        return section
    }
}
