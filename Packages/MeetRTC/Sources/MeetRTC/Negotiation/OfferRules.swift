import MeetDTLS

/// The client side of JSEP (RFC 8829 §5.2): our offer with one sendrecv
/// section per requested kind, and applying the answer to it.
public enum OfferRules {
    /// Payload types and extension ids of our offer (Chrome's numbers).
    public static let opus = CodecModel(payloadType: 111, name: "opus", clockRate: 48_000, channels: 2,
                                        parameters: "minptime=10;useinbandfec=1", feedback: ["transport-cc"])
    public static let vp8 = CodecModel(payloadType: 96, name: "VP8", clockRate: 90_000,
                                       feedback: ["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"])
    /// H.264 Constrained Baseline, packetization-mode=1 (RFC 6184 §8.1), with
    /// the same feedback as VP8; offered after VP8 so VP8 stays preferred.
    public static let h264 = CodecModel(payloadType: 102, name: "H264", clockRate: 90_000,
                                        parameters: H264Parameters.offered,
                                        feedback: ["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"])

    /// RTX (RFC 4588 §8.6) for VP8 and for H.264, with Chrome's numbers.
    public static let vp8RTX = CodecModel(payloadType: 97, name: "rtx", clockRate: 90_000, parameters: "apt=96")
    public static let h264RTX = CodecModel(payloadType: 103, name: "rtx", clockRate: 90_000, parameters: "apt=102")

    /// The codecs of one section of our offer, in order of preference
    /// (each video codec followed by its RTX when ``MediaPolicy/offersRTX``).
    static func codecs(for kind: MediaKind, policy: MediaPolicy) -> [CodecModel] {
        let codecs = kind == .audio ? [opus] : (policy.acceptH264 ? [vp8, h264] : [vp8])
        return codecs.flatMap { codec in
            var codec = codec
            codec.feedback = codec.feedback.filter { policy.feedback.contains($0) }
            guard kind == .video, policy.offersRTX else { return [codec] }
            return [codec, codec.payloadType == vp8.payloadType ? vp8RTX : h264RTX]
        }
    }

    /// Announces `track`'s stream in `section`: its SSRC, and with an RTX
    /// SSRC the FID group pairing them (RFC 5576 §4.2, RFC 4588 §8.3).
    static func announce(_ track: LocalTrack, in section: inout MediaSectionModel) {
        if let rtx = track.rtxSSRC {
            section.ssrcs = [track.ssrc, rtx]
            section.ssrcGroups = [(semantics: "FID", ssrcs: [track.ssrc, rtx])]
        } else {
            section.ssrcs = [track.ssrc]
            section.ssrcGroups = []
        }
    }

    /// The RIDs of the layers a video track sends (lowest resolution first,
    /// as browsers' `sendEncodings` are usually listed).
    static func simulcastRIDs(count: Int) -> [String] {
        switch count {
        case ...1: []
        case 2: ["q", "f"]
        default: ["q", "h", "f"]
        }
    }

    /// An offer with one section per kind (mids "0", "1", ...) in
    /// `direction`, `a=setup:actpass`, and ICE-lite when `local` says so
    /// (an SFU offering tracks to a subscriber). A video section we send
    /// on offers `policy.simulcastLayers` RID layers when that is 2 or 3
    /// (RFC 8853 `a=simulcast:send`, no `a=ssrc`: the layers' SSRCs are
    /// learnt from their RIDs, as a browser's are).
    public static func offer(
        kinds: [MediaKind], direction: MediaDirection = .sendrecv, local: LocalTransport, policy: MediaPolicy, cname: String,
        newSSRC: () -> UInt32 = { UInt32.random(in: 1...UInt32.max) }
    ) -> (offer: SessionModel, localTracks: [LocalTrack]) {
        let streamID = RandomString.make(length: 12)
        var sections: [MediaSectionModel] = []
        var tracks: [LocalTrack] = []
        // RFC 8843 §9.1: one id per URI across the bundle, audio-only URIs after the common ones.
        let ids = Self.extensionIDs(policy: policy)
        for (index, kind) in kinds.enumerated() {
            let mid = String(index)
            let track = LocalTrack(mid: mid, kind: kind, ssrc: newSSRC(), cname: cname, streamID: streamID, trackID: "\(kind.rawValue)-\(mid)")
            let extensions = policy.headerExtensions(forKind: kind.rawValue).compactMap { uri in
                ids[uri].map { HeaderExtensionModel(id: $0, uri: uri) }
            }
            var section = MediaSectionModel(
                kind: kind.rawValue, mid: mid, direction: direction, codecs: codecs(for: kind, policy: policy), extensions: extensions)
            if direction.sends {
                var track = track
                section.msid = (streamID, track.trackID)
                section.cname = cname
                let rids = kind == .video ? simulcastRIDs(count: policy.simulcastLayers) : []
                if rids.isEmpty {
                    if kind == .video && policy.offersRTX { track.rtxSSRC = newSSRC() }
                    announce(track, in: &section)
                } else {
                    section.simulcast = SimulcastModel(direction: .send, layers: rids.map { SimulcastModel.Layer(rid: $0) })
                    track.layers = rids.map { LocalTrack.Layer(rid: $0, ssrc: newSSRC()) }
                }
                tracks.append(track)
            }
            sections.append(section)
        }
        let transport = TransportModel(
            iceUfrag: local.iceUfrag, icePassword: local.icePassword, iceLite: local.iceLite,
            fingerprints: [local.fingerprint], setup: .actpass, candidates: [local.candidate])
        return (SessionModel(transport: transport, bundle: sections.map(\.mid), sections: sections), tracks)
    }

    /// The ids of a first offer (RFC 8285 §5): 1, 2, ... in policy order,
    /// common URIs first; at most 14 (the one-byte form).
    static func extensionIDs(policy: MediaPolicy) -> [String: UInt8] {
        var ids: [String: UInt8] = [:]
        for uri in policy.allHeaderExtensions where ids[uri] == nil && ids.count < 14 {
            ids[uri] = UInt8(ids.count + 1)
        }
        return ids
    }

    /// Applies the answer to our offer: the remote tracks it sends on, the
    /// local tracks it accepted, and our DTLS role from its `a=setup`. An
    /// answer that accepts no media is refused unless `allowingNoMedia` (a
    /// re-offer whose sections are all idle, on a connection that stays).
    public static func apply(
        answer: SessionModel, to offer: SessionModel, localTracks: [LocalTrack], allowingNoMedia: Bool = false
    ) throws(NegotiationError) -> NegotiationResult {
        let dtlsRole: DTLSRole
        switch answer.transport.setup {
        case .passive: dtlsRole = .client
        case .active: dtlsRole = .server
        case .actpass: throw .unsupported("a=setup:actpass in an answer")
        }
        guard !answer.transport.fingerprints.isEmpty else { throw .missing("a=fingerprint") }
        var remoteTracks: [RemoteTrack] = []
        var accepted: [LocalTrack] = []
        for section in answer.sections where section.port != 0 {
            guard let offered = offer.sections.first(where: { $0.mid == section.mid }),
                  let kind = MediaKind(rawValue: section.kind)
            else { throw .malformed("answer section mid \(section.mid) was not offered") }
            let codecs = section.codecs.filter { codec in offered.codecs.contains { $0.payloadType == codec.payloadType } }
            if section.direction.sends {
                remoteTracks.append(RemoteTrack(
                    mid: section.mid, kind: kind, ssrcs: section.ssrcs, streamID: section.msid?.stream,
                    trackID: section.msid?.track, codecs: codecs))
            }
            if section.direction.receives, var track = localTracks.first(where: { $0.mid == section.mid }) {
                // RFC 8853 §5.3.2: the answer may receive fewer layers (none: one stream).
                let received = section.simulcast?.direction == .recv ? Set(section.simulcast?.rids ?? []) : []
                track.layers = track.layers.filter { received.contains($0.rid) }
                accepted.append(track)
            }
        }
        guard !remoteTracks.isEmpty || !accepted.isEmpty || allowingNoMedia else { throw .nothingAccepted }
        return NegotiationResult(local: offer, remoteTracks: remoteTracks, localTracks: accepted, dtlsRole: dtlsRole)
    }
}
