/// Checks a parsed description against the rules the parser leaves to its
/// users: unique and well-formed mids, a BUNDLE group that names real
/// sections, payload types, clock rates, RTX, SSRCs, extmap IDs and ICE
/// credentials, all within `Limits`. Pure, no I/O: MeetRTC runs it on every
/// remote description before negotiating, so the node answers `bad_sdp`
/// naming the problem instead of accepting what it cannot use.
///
/// The parser stays lenient (typed getters skip malformed values, unknown
/// attributes are kept) so that descriptions round-trip; the validator is
/// where a known attribute that does not follow its grammar is refused.
///
/// Choices beyond the RFCs, and why:
/// - SSRC 0 is refused. RFC 3550 §8 allows any 32-bit value, but Chrome,
///   Firefox and aiortc never announce 0, and RTCP feedback uses 0 for "no
///   SSRC" (RFC 4585 §6.1 sender SSRC of a receive-only endpoint), so an
///   announced 0 is a bug or a probe. -1 and 2^32 do not parse as SSRCs.
/// - Payload types 64…95 are refused: under rtcp-mux (which WebRTC requires)
///   they collide with RTCP packet types (RFC 5761 §4) and the demultiplexer
///   would take them for RTCP. Chrome's dynamic types are 35…63 and 96…127.
/// - A mid is at most 32 token characters. RFC 5888 sets no bound; browsers
///   use "0", "1"... and the RTP MID header extension (RFC 8843 §15) carries
///   at most 16 bytes in the one-byte form, 255 in the two-byte one.
public struct SDPValidator: Sendable {
    /// Bounds on what a description may contain.
    public struct Limits: Hashable, Sendable {
        /// Media sections (a publisher sends 2–3; a subscriber answers the node's offer).
        public var maxMediaSections = 128
        public var maxMidLength = 32
        /// Any attribute line (name and value); Chrome's longest are candidates (~150).
        public var maxAttributeLength = 4096
        /// An fmtp value; browsers' are under 200 bytes (H.264 with
        /// sprop-parameter-sets can reach a few hundred).
        public var maxFormatParametersLength = 1024
        /// Clock rates any codec WebRTC negotiates (8 kHz telephony to 192 kHz audio, 90 kHz video).
        public var clockRates: ClosedRange<UInt32> = 1_000...192_000
        /// Audio channels (multiopus goes up to 8).
        public var maxChannels: UInt32 = 8
        /// Distinct SSRCs per section (simulcast with RTX and FEC stays under 10).
        public var maxSSRCsPerSection = 32
        /// rids per section (RFC 8851); simulcast uses 2–4.
        public var maxRIDsPerSection = 16
        /// Characters of a rid-id (RFC 8851 §10 sets no bound): 16, what the
        /// RtpStreamId header extension carries in the one-byte form (RFC
        /// 8285 §4.2), as Chrome and Firefox send it.
        public var maxRIDLength = 16

        public init() {}

        public static let `default` = Limits()
    }

    public var limits: Limits

    public init(limits: Limits = .default) {
        self.limits = limits
    }

    /// Throws the first rule `description` breaks.
    public func validate(_ description: SessionDescription) throws(SDPValidationError) {
        guard description.media.count <= limits.maxMediaSections else {
            throw .tooManyMediaSections(count: description.media.count, limit: limits.maxMediaSections)
        }
        try checkLengths(description.attributes)
        try checkICECredentials(description.attributes)
        var mids: [String: Int] = [:]
        var ssrcOwners: [UInt32: Int] = [:]
        for (index, media) in description.media.enumerated() {
            if let mid = media.mid {
                try checkMid(mid)
                guard mids.updateValue(index, forKey: mid) == nil else { throw .duplicateMid(mid) }
            }
            try checkLengths(media.attributes)
            try checkICECredentials(media.attributes)
            if media.mediaLine.proto.uppercased().contains("RTP") {
                try validateRTP(media)
            }
            for ssrc in try checkSSRCs(media) {
                guard ssrcOwners.updateValue(index, forKey: ssrc) == nil else {
                    throw .invalidSSRC("\(ssrc) announced in two sections")
                }
            }
            try checkSimulcast(media)
        }
        try checkBundle(description, mids: mids)
    }

    /// Every value of a typed attribute, or `malformedAttribute` for the first that does not parse.
    func parsed<T: SDPAttributeValue>(_: T.Type, in container: some SDPAttributeContainer) throws(SDPValidationError) -> [T] {
        var values: [T] = []
        for value in container.attributes(named: T.attributeName) {
            guard let typed = try? T(attributeValue: value) else {
                throw .malformedAttribute(name: T.attributeName, value: value)
            }
            values.append(typed)
        }
        return values
    }

    private func checkLengths(_ attributes: [SDPAttribute]) throws(SDPValidationError) {
        for attribute in attributes {
            let length = attribute.name.utf8.count + (attribute.value.map { $0.utf8.count + 1 } ?? 0)
            guard length <= limits.maxAttributeLength else {
                throw .attributeTooLong(name: String(attribute.name.prefix(40)), length: length, limit: limits.maxAttributeLength)
            }
        }
    }

    private func checkMid(_ mid: String) throws(SDPValidationError) {
        guard !mid.isEmpty, mid.unicodeScalars.count <= limits.maxMidLength,
              mid.unicodeScalars.allSatisfy(Self.isTokenCharacter)
        else { throw .invalidMid(mid) }
    }

    /// RFC 8866 §9 `token-char`: visible ASCII except `"(),/:;<=>?@[\]{}`... as listed there.
    static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x21, 0x23...0x27, 0x2A...0x2B, 0x2D...0x2E, 0x30...0x39, 0x41...0x5A, 0x5E...0x7E: true
        default: false
        }
    }

    /// RFC 8839 §5.4: `ice-ufrag = 4*256ice-char`, `ice-pwd = 22*256ice-char`,
    /// `ice-char = ALPHA / DIGIT / "+" / "/"`.
    private func checkICECredentials(_ attributes: [SDPAttribute]) throws(SDPValidationError) {
        func isICEChar(_ c: Unicode.Scalar) -> Bool {
            (0x41...0x5A).contains(c.value) || (0x61...0x7A).contains(c.value) || (0x30...0x39).contains(c.value)
                || c == "+" || c == "/"
        }
        for attribute in attributes {
            let range: ClosedRange<Int>
            switch attribute.name {
            case "ice-ufrag": range = 4...256
            case "ice-pwd": range = 22...256
            default: continue
            }
            let value = attribute.value ?? ""
            guard range.contains(value.unicodeScalars.count), value.unicodeScalars.allSatisfy(isICEChar) else {
                throw .invalidICECredentials("a=\(attribute.name) must be \(range.lowerBound)–\(range.upperBound) of A–Z a–z 0–9 + /, got \(value.unicodeScalars.count) characters")
            }
        }
    }

    /// `a=ssrc` and `a=ssrc-group` parse and name no SSRC 0; returns the distinct SSRCs.
    private func checkSSRCs(_ media: MediaDescription) throws(SDPValidationError) -> Set<UInt32> {
        var ssrcs = Set<UInt32>()
        for attribute in try parsed(SDPSSRCAttribute.self, in: media) {
            guard attribute.ssrc != 0 else { throw .invalidSSRC("0 in a=ssrc (1 to 4294967295)") }
            ssrcs.insert(attribute.ssrc)
        }
        for group in try parsed(SDPSSRCGroup.self, in: media) {
            guard !group.ssrcs.contains(0) else { throw .invalidSSRC("0 in a=ssrc-group:\(group.semantics)") }
            ssrcs.formUnion(group.ssrcs)
        }
        guard ssrcs.count <= limits.maxSSRCsPerSection else {
            throw .tooMany(what: "SSRCs in a section", count: ssrcs.count, limit: limits.maxSSRCsPerSection)
        }
        return ssrcs
    }

    /// RFC 8843: each BUNDLE mid names one existing section, once, in one
    /// group; extmap IDs mean the same URI across the group (RFC 8285 §5).
    private func checkBundle(_ description: SessionDescription, mids: [String: Int]) throws(SDPValidationError) {
        var bundled = Set<String>()
        for group in try parsed(SDPGroup.self, in: description) where group.semantics == "BUNDLE" {
            for mid in group.mids {
                guard mids[mid] != nil else {
                    throw .invalidBundle("mid \"\(mid.prefix(40))\" names no media section")
                }
                guard bundled.insert(mid).inserted else {
                    throw .invalidBundle("mid \"\(mid)\" is listed twice")
                }
            }
        }
        var uris: [UInt16: String] = [:]
        for media in description.media where media.mid.map(bundled.contains) ?? false {
            var own: [UInt16: String] = [:]
            for extMap in try parsed(SDPExtMap.self, in: media) {
                guard own.updateValue(extMap.uri, forKey: extMap.id) == nil else {
                    throw .conflictingExtMap(id: extMap.id, "given twice in one section")
                }
                if let other = uris[extMap.id], other != extMap.uri {
                    throw .conflictingExtMap(id: extMap.id, "names both \(other.prefix(80)) and \(extMap.uri.prefix(80))")
                }
                uris[extMap.id] = extMap.uri
            }
        }
    }
}
