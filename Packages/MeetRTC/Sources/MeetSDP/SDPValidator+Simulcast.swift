/// The simulcast rules of `SDPValidator` for one media section: `a=rid`
/// (RFC 8851) and `a=simulcast` (RFC 8853), which the parser reads
/// leniently and the negotiation then trusts.
extension SDPValidator {
    /// - rid-ids are RFC 8851 §10 tokens (`1*(ALPHA / DIGIT / "-" / "_")`),
    ///   at most `Limits.maxRIDLength`, unique in the section (§4), and at
    ///   most `Limits.maxRIDsPerSection` of them;
    /// - a `pt=` restriction names payload types of the m= line (§4);
    /// - at most one `a=simulcast` (RFC 8853 §5.1), naming each rid once,
    ///   and only rids declared with `a=rid` in the same direction (§5.2:
    ///   "send" streams need `a=rid:<id> send`, "recv" ones `recv`).
    func checkSimulcast(_ media: MediaDescription) throws(SDPValidationError) {
        let section = media.mid ?? media.mediaLine.media
        let rids = try parsed(SDPRID.self, in: media)
        guard rids.count <= limits.maxRIDsPerSection else {
            throw .tooMany(what: "rids in a section", count: rids.count, limit: limits.maxRIDsPerSection)
        }
        var directions: [String: SDPRID.Direction] = [:]
        for rid in rids {
            guard !rid.id.isEmpty, rid.id.unicodeScalars.count <= limits.maxRIDLength,
                  rid.id.unicodeScalars.allSatisfy(Self.isRIDCharacter)
            else {
                throw .invalidSimulcast(
                    section: section,
                    reason: "rid \"\(rid.id.prefix(40))\" is not 1 to \(limits.maxRIDLength) of A–Z a–z 0–9 - _")
            }
            guard directions.updateValue(rid.direction, forKey: rid.id) == nil else {
                throw .invalidSimulcast(section: section, reason: "rid \"\(rid.id)\" declared twice")
            }
            for payloadType in Self.restrictedPayloadTypes(rid.restrictions) where !media.mediaLine.formats.contains(String(payloadType)) {
                throw .invalidSimulcast(
                    section: section, reason: "rid \"\(rid.id)\" restricts to pt \(payloadType.prefix(10)), not in the m= line")
            }
        }
        let simulcasts = try parsed(SDPSimulcast.self, in: media)
        guard simulcasts.count <= 1 else { throw .invalidSimulcast(section: section, reason: "a=simulcast given twice") }
        guard let simulcast = simulcasts.first else { return }
        var listed = Set<String>()
        for (streams, direction) in [(simulcast.send, SDPRID.Direction.send), (simulcast.receive, .recv)] {
            for stream in streams.joined() {
                guard directions[stream.rid] == direction else {
                    throw .invalidSimulcast(
                        section: section, reason: "a=simulcast names rid \"\(stream.rid.prefix(40))\" with no a=rid:\(stream.rid.prefix(40)) \(direction.rawValue)")
                }
                guard listed.insert(stream.rid).inserted else {
                    throw .invalidSimulcast(section: section, reason: "a=simulcast names rid \"\(stream.rid)\" twice")
                }
            }
        }
    }

    /// RFC 8851 §10 `rid-id = 1*(alpha-numeric / "-" / "_")`.
    static func isRIDCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x5F: true
        default: false
        }
    }

    /// The payload types of a `pt=` restriction ("pt=96,97;max-width=1280"), as written.
    static func restrictedPayloadTypes(_ restrictions: String?) -> [Substring] {
        guard let restrictions else { return [] }
        for restriction in restrictions.split(separator: ";") {
            let parts = restriction.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingSpaces == "pt" {
                return parts[1].split(separator: ",").map(\.trimmingSpaces)
            }
        }
        return []
    }
}
