/// What the node reads from SDP text it already negotiated through
/// MeetRTC: the `a=extmap` ids of each section (RFC 8285 §5) to build the
/// per-subscriber ``ExtensionIDTable``s, and the sections' mids in m-line
/// order (to spot the sections a re-offer appended).
enum SDPSections {
    /// `a=extmap` ids per `a=mid` of an SDP text: mid → (URI → id).
    static func extensions(inSDP sdp: String) -> [String: [String: UInt8]] {
        var result: [String: [String: UInt8]] = [:]
        var mid: String?
        var current: [String: UInt8] = [:]
        func flush() {
            if let mid { result[mid] = current }
        }
        for rawLine in sdp.split(whereSeparator: \.isNewline) {
            let line = String(rawLine)
            if line.hasPrefix("m=") {
                flush()
                mid = nil
                current = [:]
            } else if line.hasPrefix("a=mid:") {
                mid = String(line.dropFirst(6))
            } else if line.hasPrefix("a=extmap:") {
                let parts = line.dropFirst(9).split(separator: " ")
                guard parts.count >= 2, let id = UInt8(parts[0].split(separator: "/")[0]) else { continue }
                current[String(parts[1])] = id
            }
        }
        flush()
        return result
    }

    /// The `a=mid` values of an SDP text, in m-line order.
    static func mids(inSDP sdp: String) -> [String] {
        sdp.split(whereSeparator: \.isNewline).compactMap { line in
            line.hasPrefix("a=mid:") ? String(line.dropFirst(6)) : nil
        }
    }
}
