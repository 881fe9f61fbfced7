/// Which codecs, header extensions and feedback we accept in an answer (and
/// put in an offer). The defaults are what the SFU forwards.
public struct MediaPolicy: Sendable {
    /// Header extension URIs we keep (RFC 8285); the offered id is reused.
    public var headerExtensions: [String]
    /// Header extension URIs we keep on audio sections only: the
    /// client-to-mixer audio level (RFC 6464), which the SFU reads for active
    /// speakers. Chromium and aiortc offer it on audio m-lines only, and a
    /// video sender has no level to write.
    public var audioHeaderExtensions: [String]
    /// `a=rtcp-fb` values we keep for every accepted codec.
    public var feedback: Set<String>
    /// Accept and offer H.264 besides VP8 (packetization-mode=1,
    /// Constrained Baseline; see `H264Parameters`). VP8 stays preferred.
    public var acceptH264: Bool
    /// RID-based simulcast on video sections (RFC 8853): as answerer, how
    /// many of the offered send layers we receive (the first ones, in the
    /// offer's order; 0 answers without `a=simulcast`, so a browser falls
    /// back to one stream); as offerer, the most layers a track may send.
    /// Non-zero also negotiates the RtpStreamId and RepairedRtpStreamId
    /// header extensions (RFC 8852) on video, which tell the layers apart
    /// when, as browsers do for simulcast, no `a=ssrc` announces them.
    public var simulcastLayers: Int
    /// As offerer, offer RTX (RFC 4588) after each video codec (Chrome's
    /// payload types: 97 `apt=96` for VP8, 103 `apt=102` for H.264) and an
    /// RTX SSRC per sent video stream (`a=ssrc-group:FID`). The SFU offers
    /// it to subscribers, so retransmissions and padding probes go on a
    /// stream of their own (#16 item 3). Off by default.
    public var offersRTX = false
    /// As answerer, keep an offered video RTX payload type whose `apt`
    /// names a codec we accept, for a receiver that unwraps RTX itself: the
    /// SFU's answers to publishers (MeetSFU `Router+Repair` routes each RTX
    /// packet as the media packet it repeats) and tests. Off by default.
    public var acceptsRTX = false

    public static let midURI = "urn:ietf:params:rtp-hdrext:sdes:mid"
    public static let absSendTimeURI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
    public static let transportCCURI = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
    public static let audioLevelURI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
    /// RtpStreamId and RepairedRtpStreamId (RFC 8852 §3.1, §3.2): a layer's RID on its packets and on its RTX.
    public static let ridURI = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
    public static let repairedRidURI = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
    /// The header extensions simulcast adds on video sections.
    public static let simulcastHeaderExtensions = [ridURI, repairedRidURI]
    /// The layers a browser sends at most (Chrome's and Firefox's limit for VP8 and H.264).
    public static let maximumSimulcastLayers = 3

    public init(
        headerExtensions: [String] = [Self.midURI, Self.absSendTimeURI, Self.transportCCURI],
        audioHeaderExtensions: [String] = [Self.audioLevelURI],
        feedback: Set<String> = ["nack", "nack pli", "ccm fir", "goog-remb", "transport-cc"],
        acceptH264: Bool = true, simulcastLayers: Int = 0
    ) {
        self.headerExtensions = headerExtensions
        self.audioHeaderExtensions = audioHeaderExtensions
        self.feedback = feedback
        self.acceptH264 = acceptH264
        self.simulcastLayers = min(max(simulcastLayers, 0), Self.maximumSimulcastLayers)
    }

    /// What an echo or a plain forwarder without bandwidth estimation keeps:
    /// no transport-wide CC (it would owe the sender feedback it cannot give).
    public static let withoutTransportCC = MediaPolicy(
        headerExtensions: [midURI, absSendTimeURI],
        feedback: ["nack", "nack pli", "ccm fir", "goog-remb"]
    )

    /// The offered codecs of one section we accept, in the offer's order
    /// (RFC 8829 §5.3.1 keeps the offerer's payload types): Opus 48000/2 for
    /// audio; VP8, then H.264 with packetization-mode=1 and the Constrained
    /// Baseline profile (RFC 6184 §8.2.2: matched by mode and profile, any
    /// level), for video; RTX after the codec it repairs only with
    /// `acceptsRTX`. RED, FEC and comfort noise are not accepted.
    func acceptedCodecs(of section: MediaSectionModel) -> [CodecModel] {
        var accepted: [CodecModel] = []
        for codec in section.codecs {
            let name = codec.name.lowercased()
            let ok: Bool
            switch (section.kind, name) {
            case ("audio", "opus"): ok = codec.clockRate == 48_000 && (codec.channels ?? 1) == 2
            case ("video", "vp8"): ok = codec.clockRate == 90_000
            case ("video", "h264"): ok = acceptH264 && codec.clockRate == 90_000 && Self.isForwardableH264(codec.parameters)
            default: ok = false
            }
            guard ok else { continue }
            var kept = codec
            kept.feedback = codec.feedback.filter { feedback.contains($0) }
            accepted.append(kept)
        }
        // VP8 first: a sender uses the first codec of the answer.
        var ordered = accepted.filter { $0.name.lowercased() != "h264" } + accepted.filter { $0.name.lowercased() == "h264" }
        if acceptsRTX && section.kind == MediaKind.video.rawValue {
            // RFC 4588 §8.6: each kept RTX after the codec it repairs.
            ordered = ordered.flatMap { media in
                [media] + section.codecs.filter { codec in
                    codec.name.lowercased() == "rtx" && codec.clockRate == media.clockRate
                        && Self.associatedPayloadType(of: codec) == media.payloadType
                }.map { codec in
                    var codec = codec
                    codec.feedback = []
                    return codec
                }
            }
        }
        return ordered
    }

    /// The `apt` parameter of an RTX codec (RFC 4588 §8.6), if any.
    public static func associatedPayloadType(of codec: CodecModel) -> UInt8? {
        for parameter in (codec.parameters ?? "").split(separator: ";") {
            let pair = parameter.filter { $0 != " " }.split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].lowercased() == "apt" { return UInt8(pair[1]) }
        }
        return nil
    }

    /// The H.264 configuration we forward: RFC 6184 §8.2.2 matches offer and
    /// answer by packetization mode and profile, and ours is mode 1,
    /// Constrained Baseline (`H264Parameters.offered`).
    static let forwardedH264 = H264Parameters(fmtp: H264Parameters.offered)

    static func isForwardableH264(_ parameters: String?) -> Bool {
        H264Parameters(fmtp: parameters).matches(forwardedH264)
    }

    /// The header extension URIs we keep on a section of `kind` ("audio",
    /// "video"), in offer order: the common ones, then the audio-only ones
    /// (audio) or the simulcast ones (video, when simulcast is on).
    func headerExtensions(forKind kind: String) -> [String] {
        let own: [String]
        switch kind {
        case MediaKind.audio.rawValue: own = audioHeaderExtensions
        case MediaKind.video.rawValue where simulcastLayers > 0: own = Self.simulcastHeaderExtensions
        default: return headerExtensions
        }
        // A URI listed in both lists is offered once: two extmap lines with
        // one URI make the peer refuse the section.
        return headerExtensions + own.filter { !headerExtensions.contains($0) }
    }

    /// Every URI a first offer may carry, common ones first (for the ids, RFC 8285 §5).
    var allHeaderExtensions: [String] {
        headerExtensions + audioHeaderExtensions + (simulcastLayers > 0 ? Self.simulcastHeaderExtensions : [])
    }

    /// The simulcast we answer to an offered section that sends layers
    /// (RFC 8853 §5.3.2): its first `simulcastLayers` streams, as `recv`,
    /// paused ones kept paused, without restrictions (we impose none).
    /// Nil when simulcast is off, the section is not video, or the offer did
    /// not negotiate the RtpStreamId extension (without it the layers'
    /// SSRCs cannot be told apart); the peer then sends one stream.
    func answeredSimulcast(of offered: MediaSectionModel) -> SimulcastModel? {
        guard simulcastLayers > 0, offered.kind == MediaKind.video.rawValue,
              let simulcast = offered.simulcast, simulcast.direction == .send,
              offered.extensions.contains(where: { $0.uri == Self.ridURI })
        else { return nil }
        let layers = simulcast.layers.prefix(simulcastLayers).map { SimulcastModel.Layer(rid: $0.rid, paused: $0.paused) }
        return SimulcastModel(direction: .recv, layers: Array(layers))
    }

    /// The offered header extensions we keep, with the offered ids.
    func acceptedExtensions(of section: MediaSectionModel) -> [HeaderExtensionModel] {
        let kept = headerExtensions(forKind: section.kind)
        return section.extensions.filter { kept.contains($0.uri) }
    }
}
