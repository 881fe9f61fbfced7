/// Typed views of the media-level attributes WebRTC uses. Getters skip malformed
/// values (use `parsedAttributes(_:)` to surface them as errors); setters replace.
extension MediaDescription {
    /// `a=mid` (RFC 5888 §4): the section's identification tag.
    public var mid: String? {
        get { attribute("mid") }
        set { setAttribute("mid", newValue, present: newValue != nil) }
    }

    /// The direction attribute; sendrecv when none is given (RFC 8866 §6.7).
    public var direction: SDPDirection {
        get { attributes.lazy.compactMap { SDPDirection(rawValue: $0.name) }.first ?? .sendrecv }
        set {
            let index = attributes.firstIndex { SDPDirection(rawValue: $0.name) != nil }
            attributes.removeAll { SDPDirection(rawValue: $0.name) != nil }
            let a = SDPAttribute(newValue.rawValue)
            if let index, index <= attributes.count { attributes.insert(a, at: index) } else { attributes.append(a) }
        }
    }

    /// `a=rtcp-mux` (RFC 5761 §5.1.3).
    public var rtcpMux: Bool {
        get { hasAttribute("rtcp-mux") }
        set { setAttribute("rtcp-mux", nil, present: newValue) }
    }

    /// `a=rtcp-rsize` (RFC 5506 §5).
    public var rtcpReducedSize: Bool {
        get { hasAttribute("rtcp-rsize") }
        set { setAttribute("rtcp-rsize", nil, present: newValue) }
    }

    /// `a=ice-ufrag` (RFC 8839 §5.4); may also sit at session level, see `SessionDescription.iceUfrag(for:)`.
    public var iceUfrag: String? {
        get { attribute("ice-ufrag") }
        set { setAttribute("ice-ufrag", newValue, present: newValue != nil) }
    }

    /// `a=ice-pwd` (RFC 8839 §5.4).
    public var icePwd: String? {
        get { attribute("ice-pwd") }
        set { setAttribute("ice-pwd", newValue, present: newValue != nil) }
    }

    /// `a=ice-options` tokens, e.g. ["trickle"] (RFC 8839 §5.6).
    public var iceOptions: [String] { attribute("ice-options").map { fields($0).map(String.init) } ?? [] }

    public var setup: SDPSetupRole? {
        get { validAttributes(SDPSetupRole.self).first }
        set { setAttribute("setup", newValue?.rawValue, present: newValue != nil) }
    }

    public var fingerprints: [SDPFingerprint] { validAttributes(SDPFingerprint.self) }
    public var candidates: [SDPCandidate] { validAttributes(SDPCandidate.self) }
    /// `a=end-of-candidates` (RFC 8840 §8.2).
    public var endOfCandidates: Bool { hasAttribute("end-of-candidates") }

    public var msid: SDPMediaStreamID? { validAttributes(SDPMediaStreamID.self).first }
    public var rtpMaps: [SDPRTPMap] { validAttributes(SDPRTPMap.self) }
    public var formatParameters: [SDPFormatParameters] { validAttributes(SDPFormatParameters.self) }
    public var rtcpFeedback: [SDPRTCPFeedback] { validAttributes(SDPRTCPFeedback.self) }
    public var extMaps: [SDPExtMap] { validAttributes(SDPExtMap.self) }
    public var ssrcAttributes: [SDPSSRCAttribute] { validAttributes(SDPSSRCAttribute.self) }
    public var ssrcGroups: [SDPSSRCGroup] { validAttributes(SDPSSRCGroup.self) }
    public var rids: [SDPRID] { validAttributes(SDPRID.self) }
    public var simulcast: SDPSimulcast? { validAttributes(SDPSimulcast.self).first }

    /// Distinct SSRCs named by `a=ssrc` lines, in first-seen order.
    public var ssrcs: [UInt32] {
        var seen = Set<UInt32>()
        return ssrcAttributes.map(\.ssrc).filter { seen.insert($0).inserted }
    }

    /// The `cname` of an SSRC (RFC 5576 §6.1).
    public func cname(ssrc: UInt32) -> String? {
        ssrcAttributes.first { $0.ssrc == ssrc && $0.name == "cname" }?.value
    }

    /// The extmap ID negotiated for a header extension URI.
    public func extMapID(uri: String) -> UInt16? { extMaps.first { $0.uri == uri }?.id }
}
