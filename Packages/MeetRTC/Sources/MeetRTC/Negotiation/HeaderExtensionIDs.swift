/// The RTP header extension ids (`a=extmap`, RFC 8285 §5) of each media
/// section of a description, in m-line order: what a forwarder needs to read
/// and rewrite extensions (transport-wide sequence numbers, audio level...)
/// without parsing SDP again.
public struct HeaderExtensionIDs: Sendable, Hashable {
    /// One media section's ids.
    public struct Section: Sendable, Hashable {
        public var mid: String
        /// Extension URI → id.
        public var ids: [String: UInt8]

        public init(mid: String, ids: [String: UInt8]) {
            self.mid = mid
            self.ids = ids
        }
    }

    /// Every section, rejected ones included (with the ids they still list).
    public var sections: [Section]

    public init(sections: [Section]) {
        self.sections = sections
    }

    /// The ids of a description; empty for none.
    init(_ description: SessionModel?) {
        sections = description?.sections.map { section in
            Section(mid: section.mid, ids: Dictionary(section.extensions.map { ($0.uri, $0.id) }) { $1 })
        } ?? []
    }

    /// The sections' mids, in m-line order.
    public var mids: [String] { sections.map(\.mid) }

    /// mid → (URI → id).
    public var byMid: [String: [String: UInt8]] {
        Dictionary(sections.map { ($0.mid, $0.ids) }) { $1 }
    }

    /// The id `uri` has in the first section that negotiated it.
    public func id(of uri: String) -> UInt8? {
        sections.lazy.compactMap { $0.ids[uri] }.first
    }
}
