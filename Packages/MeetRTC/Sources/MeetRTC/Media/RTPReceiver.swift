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
/// later packets take the first path. A simulcast section (RFC 8853: it has
/// negotiated RIDs) takes only SSRCs whose RtpStreamId or
/// RepairedRtpStreamId names one of its RIDs (``SimulcastLayerTable``);
/// others are refused as `unknownRID`. SSRCs of sections a renegotiation
/// removed are never matched again. Both learnt and retired SSRCs are
/// bounded against a peer that sprays SSRCs.
struct RTPReceiver {
    /// The negotiated ids (RFC 8285) of the header extensions that name a
    /// packet's section (mid, RFC 8843 §15) and simulcast layer (RFC 8852).
    struct ExtensionIDs: Equatable, Sendable {
        var mid: UInt8?
        var rid: UInt8?
        var repairedRid: UInt8?
    }

    /// Where a packet goes.
    enum Match: Equatable {
        case track(RemoteTrack)
        /// A simulcast section's packet without a RID it negotiated.
        case unknownRID
        /// Unparsable, or no section matches (or over the learning bound).
        case unmatched
    }

    /// The remote tracks, as last negotiated.
    private(set) var tracks: [RemoteTrack] = []
    /// SSRC → index into `tracks`: announced and learnt SSRCs.
    private(set) var trackBySSRC: [UInt32: Int] = [:]
    /// The negotiated ids of the mid and RID header extensions.
    private(set) var extensionIDs = ExtensionIDs()
    /// The simulcast layers learnt, by SSRC.
    private(set) var layers = SimulcastLayerTable()
    /// SSRCs of remote sections a re-offer removed: never delivered again,
    /// not even through payload-type learning.
    private(set) var retiredSSRCs: Set<UInt32> = []

    /// Unsignalled SSRCs a connection may learn.
    static let maxLearntSSRCs = 64
    /// Bounds the retired set like the learnt one.
    static let maxRetiredSSRCs = 256

    /// The remote tracks an offer/answer step settled; true when a
    /// renegotiation changed them.
    mutating func apply(_ outcome: NegotiationOutcome, extensionIDs: ExtensionIDs) -> Bool {
        switch outcome.kind {
        case .first:
            start(tracks: outcome.result.remoteTracks, extensionIDs: extensionIDs)
            return false
        case .renegotiated:
            return renegotiate(tracks: outcome.result.remoteTracks, extensionIDs: extensionIDs)
        }
    }

    /// The tracks of a first negotiation.
    mutating func start(tracks: [RemoteTrack], extensionIDs: ExtensionIDs) {
        self.tracks = tracks
        self.extensionIDs = extensionIDs
        layers.removeAll()
        trackBySSRC = [:]
        for (index, track) in tracks.enumerated() {
            for ssrc in track.ssrcs { trackBySSRC[ssrc] = index }
        }
    }

    /// The tracks of a renegotiation: learnt SSRCs follow their section
    /// while it stays; those of removed sections retire. True when the
    /// tracks changed.
    mutating func renegotiate(tracks newTracks: [RemoteTrack], extensionIDs: ExtensionIDs) -> Bool {
        let previous = tracks
        // Layers whose RID the new answer dropped go like removed sections.
        let rids = Dictionary(newTracks.map { ($0.mid, $0.rids) }) { $1 }
        for ssrc in layers.retain(rids: rids) where trackBySSRC.removeValue(forKey: ssrc) != nil {
            retire(ssrc)
        }
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
        self.extensionIDs = extensionIDs
        return previous != newTracks
    }

    /// The track `packet` (plaintext RTP) belongs to, learning its SSRC on a
    /// match by mid, RID or payload type.
    mutating func match(_ packet: ByteBuffer, logger: Logger) -> Match {
        packet.withUnsafeReadableBytes { bytes in
            guard let header = try? RTPHeader(parsing: bytes) else { return .unmatched }
            if let index = trackBySSRC[header.ssrc] { return .track(tracks[index]) }
            guard trackBySSRC.count < Self.maxLearntSSRCs, !retiredSSRCs.contains(header.ssrc) else { return .unmatched }
            guard let index = section(of: header, in: bytes) else { return .unmatched }
            if !tracks[index].rids.isEmpty {
                let outcome = layers.learn(
                    ssrc: header.ssrc, mid: tracks[index].mid, rids: tracks[index].rids,
                    rid: Self.string(of: header, extensionID: extensionIDs.rid, in: bytes),
                    repairedRid: Self.string(of: header, extensionID: extensionIDs.repairedRid, in: bytes))
                guard case .learnt(let layer, let replaced) = outcome else { return .unknownRID }
                if let replaced, trackBySSRC.removeValue(forKey: replaced) != nil { retire(replaced) }
                logger.debug("learnt simulcast SSRC", metadata: [
                    "ssrc": "\(header.ssrc)", "mid": "\(layer.mid)", "rid": "\(layer.rid)", "repaired": "\(layer.repaired)",
                ])
            } else {
                logger.debug("learnt SSRC", metadata: ["ssrc": "\(header.ssrc)", "mid": "\(tracks[index].mid)"])
            }
            trackBySSRC[header.ssrc] = index
            return .track(tracks[index])
        }
    }

    /// The simulcast layer a learnt SSRC carries; nil for a single-stream section.
    func layer(ofSSRC ssrc: UInt32) -> SimulcastLayerTable.Layer? {
        layers.layerBySSRC[ssrc]
    }

    /// The section of an unknown SSRC: by mid when the extension is
    /// negotiated, else by a RID only one section negotiated, else by a
    /// payload type only one section uses.
    private func section(of header: RTPHeader, in bytes: UnsafeRawBufferPointer) -> Int? {
        if let mid = Self.string(of: header, extensionID: extensionIDs.mid, in: bytes) {
            return tracks.firstIndex { $0.mid == mid }
        }
        if let rid = Self.string(of: header, extensionID: extensionIDs.rid, in: bytes)
            ?? Self.string(of: header, extensionID: extensionIDs.repairedRid, in: bytes)
        {
            let candidates = tracks.indices.filter { tracks[$0].rids.contains(rid) }
            return candidates.count == 1 ? candidates[0] : nil
        }
        let candidates = tracks.indices.filter { index in
            tracks[index].codecs.contains { $0.payloadType == header.payloadType }
        }
        return candidates.count == 1 ? candidates[0] : nil
    }

    /// The text value of a header extension (mid, RID), if negotiated and on the packet.
    static func string(of header: RTPHeader, extensionID: UInt8?, in bytes: UnsafeRawBufferPointer) -> String? {
        guard let extensionID, let range = try? header.extensionRange(id: extensionID, in: bytes), !range.isEmpty else {
            return nil
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    private mutating func retire(_ ssrc: UInt32) {
        if retiredSSRCs.count >= Self.maxRetiredSSRCs, let any = retiredSSRCs.first { retiredSSRCs.remove(any) }
        retiredSSRCs.insert(ssrc)
    }
}
