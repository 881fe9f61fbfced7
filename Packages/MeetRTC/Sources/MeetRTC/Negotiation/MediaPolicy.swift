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

    public static let midURI = "urn:ietf:params:rtp-hdrext:sdes:mid"
    public static let absSendTimeURI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
    public static let transportCCURI = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
    public static let audioLevelURI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

    public init(
        headerExtensions: [String] = [Self.midURI, Self.absSendTimeURI, Self.transportCCURI],
        audioHeaderExtensions: [String] = [Self.audioLevelURI],
        feedback: Set<String> = ["nack", "nack pli", "ccm fir", "goog-remb", "transport-cc"],
        acceptH264: Bool = true
    ) {
        self.headerExtensions = headerExtensions
        self.audioHeaderExtensions = audioHeaderExtensions
        self.feedback = feedback
        self.acceptH264 = acceptH264
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
    /// level), for video. RTX, RED, FEC and comfort noise are not accepted.
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
        return accepted.filter { $0.name.lowercased() != "h264" } + accepted.filter { $0.name.lowercased() == "h264" }
    }

    /// The H.264 configuration we forward: RFC 6184 §8.2.2 matches offer and
    /// answer by packetization mode and profile, and ours is mode 1,
    /// Constrained Baseline (`H264Parameters.offered`).
    static let forwardedH264 = H264Parameters(fmtp: H264Parameters.offered)

    static func isForwardableH264(_ parameters: String?) -> Bool {
        H264Parameters(fmtp: parameters).matches(forwardedH264)
    }

    /// The header extension URIs we keep on a section of `kind` ("audio",
    /// "video"), in offer order: the common ones, then the audio-only ones.
    func headerExtensions(forKind kind: String) -> [String] {
        guard kind == MediaKind.audio.rawValue else { return headerExtensions }
        // A URI listed in both lists is offered once: two extmap lines with
        // one URI make the peer refuse the section.
        return headerExtensions + audioHeaderExtensions.filter { !headerExtensions.contains($0) }
    }

    /// The offered header extensions we keep, with the offered ids.
    func acceptedExtensions(of section: MediaSectionModel) -> [HeaderExtensionModel] {
        let kept = headerExtensions(forKind: section.kind)
        return section.extensions.filter { kept.contains($0.uri) }
    }
}
