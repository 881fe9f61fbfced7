import Logging
import MeetRTP
import NIOCore

/// Which negotiated track an incoming RTP packet belongs to (pion's
/// `RTPReceiver`, for every section of a bundle): a sans-I/O table of the
/// remote tracks, the SSRCs they announced or that were learnt, and the
/// SSRCs of sections a renegotiation removed.
///
/// A packet is matched by its announced (or already learnt) SSRC; else by
/// the mid header extension (RFC 8843 §15); else by a payload type only one
/// media section uses. A match by mid or payload type teaches the SSRC, so
/// later packets take the first path. SSRCs of sections a renegotiation
/// removed are never matched again. Both learnt and retired SSRCs are
/// bounded against a peer that sprays SSRCs.
struct RTPReceiver {
    /// The remote tracks, as last negotiated.
    private(set) var tracks: [RemoteTrack] = []
    /// SSRC → index into `tracks`: announced and learnt SSRCs.
    private(set) var trackBySSRC: [UInt32: Int] = [:]
    /// The negotiated id of the mid header extension, if any.
    private(set) var midExtensionID: UInt8?
    /// SSRCs of remote sections a re-offer removed: never delivered again,
    /// not even through payload-type learning.
    private(set) var retiredSSRCs: Set<UInt32> = []

    /// Unsignalled SSRCs a connection may learn.
    static let maxLearntSSRCs = 64
    /// Bounds the retired set like the learnt one.
    static let maxRetiredSSRCs = 256

    /// The remote tracks an offer/answer step settled; true when a
    /// renegotiation changed them.
    mutating func apply(_ outcome: NegotiationOutcome, midExtensionID: UInt8?) -> Bool {
        switch outcome.kind {
        case .first:
            start(tracks: outcome.result.remoteTracks, midExtensionID: midExtensionID)
            return false
        case .renegotiated:
            return renegotiate(tracks: outcome.result.remoteTracks, midExtensionID: midExtensionID)
        }
    }

    /// The tracks of a first negotiation.
    mutating func start(tracks: [RemoteTrack], midExtensionID: UInt8?) {
        self.tracks = tracks
        self.midExtensionID = midExtensionID
        trackBySSRC = [:]
        for (index, track) in tracks.enumerated() {
            for ssrc in track.ssrcs { trackBySSRC[ssrc] = index }
        }
    }

    /// The tracks of a renegotiation: learnt SSRCs follow their section
    /// while it stays; those of removed sections retire. True when the
    /// tracks changed.
    mutating func renegotiate(tracks newTracks: [RemoteTrack], midExtensionID: UInt8?) -> Bool {
        let previous = tracks
        var bySSRC: [UInt32: Int] = [:]
        for (index, track) in newTracks.enumerated() {
            for ssrc in track.ssrcs { bySSRC[ssrc] = index }
        }
        for (ssrc, oldIndex) in trackBySSRC where bySSRC[ssrc] == nil {
            if let newIndex = newTracks.firstIndex(where: { $0.mid == previous[oldIndex].mid }) {
                bySSRC[ssrc] = newIndex
            } else {
                retire(ssrc)
            }
        }
        for track in previous where !newTracks.contains(where: { $0.mid == track.mid }) {
            for ssrc in track.ssrcs where bySSRC[ssrc] == nil { retire(ssrc) }
        }
        for ssrc in bySSRC.keys { retiredSSRCs.remove(ssrc) }
        trackBySSRC = bySSRC
        tracks = newTracks
        self.midExtensionID = midExtensionID
        return previous != newTracks
    }

    /// The track `packet` (plaintext RTP) belongs to, learning its SSRC on a
    /// match by mid or payload type; nil when the header does not parse or
    /// nothing matches.
    mutating func track(for packet: ByteBuffer, logger: Logger) -> RemoteTrack? {
        packet.withUnsafeReadableBytes { bytes in
            guard let header = try? RTPHeader(parsing: bytes) else { return nil }
            if let index = trackBySSRC[header.ssrc] { return tracks[index] }
            guard trackBySSRC.count < Self.maxLearntSSRCs, !retiredSSRCs.contains(header.ssrc) else { return nil }
            guard let index = learn(header, in: bytes) else { return nil }
            trackBySSRC[header.ssrc] = index
            logger.debug("learnt SSRC", metadata: ["ssrc": "\(header.ssrc)", "mid": "\(tracks[index].mid)"])
            return tracks[index]
        }
    }

    /// The section of an unknown SSRC: by mid when the extension is
    /// negotiated, else by a payload type only one section uses.
    private func learn(_ header: RTPHeader, in bytes: UnsafeRawBufferPointer) -> Int? {
        if let id = midExtensionID, let mid = Self.mid(of: header, extensionID: id, in: bytes) {
            return tracks.firstIndex { $0.mid == mid }
        }
        let candidates = tracks.indices.filter { index in
            tracks[index].codecs.contains { $0.payloadType == header.payloadType }
        }
        return candidates.count == 1 ? candidates[0] : nil
    }

    /// The value of the mid header extension, if the packet carries one.
    static func mid(of header: RTPHeader, extensionID: UInt8, in bytes: UnsafeRawBufferPointer) -> String? {
        guard let range = try? header.extensionRange(id: extensionID, in: bytes), !range.isEmpty else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    private mutating func retire(_ ssrc: UInt32) {
        if retiredSSRCs.count >= Self.maxRetiredSSRCs, let any = retiredSSRCs.first { retiredSSRCs.remove(any) }
        retiredSSRCs.insert(ssrc)
    }
}
