import MeetDTLS
import MeetSDP

/// Reading a `SessionModel` from SDP text and writing it back, over H2's
/// MeetSDP codec (RFC 8866 syntax; RFC 8839, 8842, 8843, 8285 attributes).
extension SessionModel {
    /// Parses SDP text (bounded by MeetSDP's limits) and validates it
    /// (`SDPValidator`: mids, BUNDLE, payload types, RTX, SSRCs...) into the model.
    ///
    /// The transport parameters come from the first BUNDLEd section (its own
    /// attributes, else the session level), as RFC 8843 §7.3 makes the
    /// offerer-tagged section carry them.
    public init(sdp text: String) throws(NegotiationError) {
        let description: SessionDescription
        do {
            description = try SessionDescription(parsing: text)
        } catch {
            throw .malformed("\(error)")
        }
        do {
            try SDPValidator().validate(description)
        } catch {
            throw .invalid(error.description)
        }
        let bundle = description.bundleMids
        guard let tagged = description.media.first(where: { $0.mid.map(bundle.contains) ?? false }) ?? description.media.first else {
            throw .missing("a media section")
        }
        guard let ufrag = description.iceUfrag(for: tagged) else { throw .missing("a=ice-ufrag") }
        guard let password = description.icePwd(for: tagged) else { throw .missing("a=ice-pwd") }
        let fingerprints = description.fingerprints(for: tagged).compactMap { try? DTLSFingerprint(sdpValue: $0.attributeValue) }
        let setup: DTLSSetup
        switch description.setup(for: tagged) {
        case .active: setup = .active
        case .passive: setup = .passive
        case .actpass, .none: setup = .actpass
        case .holdconn: throw .unsupported("a=setup:holdconn")
        }
        let candidates = description.media.flatMap(\.candidates)
            .filter { $0.transport.lowercased() == "udp" && $0.component == 1 }
            .map { CandidateModel(foundation: $0.foundation, component: Int($0.component), priority: $0.priority,
                                  address: $0.address, port: Int($0.port), type: $0.type.rawValue) }
        let transport = TransportModel(
            iceUfrag: ufrag, icePassword: password, iceLite: description.iceLite,
            fingerprints: fingerprints, setup: setup, candidates: candidates)

        var sections: [MediaSectionModel] = []
        for (index, media) in description.media.enumerated() {
            sections.append(MediaSectionModel(media, fallbackMid: String(index)))
        }
        self.init(transport: transport, bundle: bundle, sections: sections)
    }

    /// The model as SDP text (CRLF lines).
    public var sdp: String {
        var description = SessionDescription(
            origin: SDPOrigin(sessionID: String(UInt64.random(in: 1...UInt64(Int64.max))), sessionVersion: "2"))
        if !bundle.isEmpty { description.append(SDPGroup(semantics: "BUNDLE", mids: bundle)) }
        if transport.iceLite { description.iceLite = true }
        description.attributes.append(SDPAttribute("msid-semantic", " WMS *"))
        for section in sections {
            description.media.append(section.mediaDescription(transport: transport))
        }
        return description.serialize()
    }
}

extension MediaSectionModel {
    init(_ media: MediaDescription, fallbackMid: String) {
        let direction: MediaDirection
        switch media.direction {
        case .sendrecv: direction = .sendrecv
        case .sendonly: direction = .sendonly
        case .recvonly: direction = .recvonly
        case .inactive: direction = .inactive
        }
        let codecs = media.codecs.map { codec in
            CodecModel(
                payloadType: codec.payloadType, name: codec.name, clockRate: Int(codec.clockRate),
                channels: codec.channels.map(Int.init), parameters: codec.parameters?.parameters,
                feedback: codec.feedback.map { fb in fb.subtype.map { "\(fb.type) \($0)" } ?? fb.type })
        }
        let extensions = media.extMaps.compactMap { map in
            UInt8(exactly: map.id).map { HeaderExtensionModel(id: $0, uri: map.uri) }
        }
        let msid = media.msid.map { ($0.streamID, $0.trackID ?? "") }
        let ssrcs = media.ssrcs
        self.init(
            kind: media.kind, port: Int(media.mediaLine.port), proto: media.mediaLine.proto,
            mid: media.mid ?? fallbackMid, direction: direction, rtcpMux: media.rtcpMux,
            rtcpReducedSize: media.rtcpReducedSize, codecs: codecs, extensions: extensions, msid: msid,
            cname: ssrcs.first.flatMap { media.cname(ssrc: $0) }, ssrcs: ssrcs,
            ssrcGroups: media.ssrcGroups.map { ($0.semantics, $0.ssrcs) })
        if codecs.isEmpty { formats = media.mediaLine.formats }
        simulcast = Self.simulcast(of: media)
    }

    /// The section's simulcast (the validator has checked that every RID
    /// it names has its `a=rid` in that direction).
    static func simulcast(of media: MediaDescription) -> SimulcastModel? {
        guard let line = media.simulcast else { return nil }
        let (streams, direction) = line.send.isEmpty
            ? (line.receive, SimulcastModel.Direction.recv) : (line.send, .send)
        let rids = media.rids
        let layers = streams.compactMap(\.first).map { stream in
            SimulcastModel.Layer(
                rid: stream.rid, paused: stream.paused, restrictions: rids.first { $0.id == stream.rid }?.restrictions)
        }
        return layers.isEmpty ? nil : SimulcastModel(direction: direction, layers: layers)
    }

    /// One m= section of our description, with the bundle's transport
    /// attributes repeated in each accepted section (as Chrome writes them).
    func mediaDescription(transport: TransportModel) -> MediaDescription {
        var media = MediaDescription(mediaLine: SDPMediaLine(media: kind, port: UInt16(clamping: port), proto: proto, formats: []))
        media.mid = mid
        guard port != 0 else {
            media.mediaLine.formats = mediaFormats
            media.attributes.append(SDPAttribute("inactive"))
            return media
        }
        media.iceUfrag = transport.iceUfrag
        media.icePwd = transport.icePassword
        for fingerprint in transport.fingerprints {
            media.attributes.append(SDPAttribute("fingerprint", fingerprint.sdpValue))
        }
        media.setup = SDPSetupRole(rawValue: transport.setup.rawValue)
        for candidate in transport.candidates {
            media.append(SDPCandidate(
                foundation: candidate.foundation, component: UInt16(clamping: candidate.component), priority: candidate.priority,
                address: candidate.address, port: UInt16(clamping: candidate.port), type: .init(rawValue: candidate.type) ?? .host))
        }
        media.attributes.append(SDPAttribute("end-of-candidates"))
        for ext in extensions { media.append(SDPExtMap(id: UInt16(ext.id), uri: ext.uri)) }
        media.direction = SDPDirection(rawValue: direction.rawValue) ?? .inactive
        if let msid { media.append(SDPMediaStreamID(streamID: msid.stream, trackID: msid.track)) }
        media.rtcpMux = rtcpMux
        media.rtcpReducedSize = rtcpReducedSize
        for codec in codecs {
            media.addCodec(SDPCodec(
                payloadType: codec.payloadType, name: codec.name, clockRate: UInt32(codec.clockRate),
                channels: codec.channels.map(UInt32.init),
                parameters: codec.parameters.map { SDPFormatParameters(payloadType: codec.payloadType, parameters: $0) },
                feedback: codec.feedback.map { value in
                    let parts = value.split(separator: " ", maxSplits: 1).map(String.init)
                    return SDPRTCPFeedback(payloadType: codec.payloadType, type: parts[0], subtype: parts.count > 1 ? parts[1] : nil)
                }))
        }
        if let simulcast {
            let direction = SDPRID.Direction(rawValue: simulcast.direction.rawValue) ?? .recv
            for layer in simulcast.layers {
                media.append(SDPRID(id: layer.rid, direction: direction, restrictions: layer.restrictions))
            }
            let streams = simulcast.layers.map { [SDPSimulcast.Stream(rid: $0.rid, paused: $0.paused)] }
            media.append(direction == .send ? SDPSimulcast(send: streams) : SDPSimulcast(receive: streams))
        }
        for group in ssrcGroups { media.append(SDPSSRCGroup(semantics: group.semantics, ssrcs: group.ssrcs)) }
        for ssrc in ssrcs {
            if let cname { media.append(SDPSSRCAttribute(ssrc: ssrc, name: "cname", value: cname)) }
            if let msid { media.append(SDPSSRCAttribute(ssrc: ssrc, name: "msid", value: "\(msid.stream) \(msid.track)")) }
        }
        return media
    }
}
