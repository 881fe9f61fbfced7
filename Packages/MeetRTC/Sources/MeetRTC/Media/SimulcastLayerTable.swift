/// The SSRCs of the simulcast layers a connection receives, learnt from the
/// RtpStreamId and RepairedRtpStreamId header extensions (RFC 8852 §3)
/// because browsers announce no `a=ssrc` for simulcast (RFC 8853 §5.2,
/// RFC 8851 §4). Sans-I/O: ``RTPReceiver`` asks it on a packet with an
/// unknown SSRC, and it remembers the answer.
///
/// Bounded by the negotiation: each negotiated RID of a section has at most
/// one media SSRC and one repair (RTX) SSRC. A new SSRC for a layer that
/// already has one replaces it (the sender restarted that encoding), and
/// the replaced SSRC is returned for the receiver to retire, so the table
/// never holds more than 2 × the negotiated RIDs. A RID the section did not
/// negotiate is refused (the caller drops the packet and counts it).
struct SimulcastLayerTable {
    /// One learnt stream: the layer `rid` of section `mid`, its media
    /// (`repaired` false) or its RTX (RFC 4588) stream.
    struct Layer: Hashable, Sendable {
        var mid: String
        var rid: String
        var repaired: Bool
    }

    /// What ``learn(ssrc:mid:rids:rid:repairedRid:)`` decided.
    enum Outcome: Equatable {
        /// The SSRC is `layer` now; `replaced` is the SSRC it had before, if any.
        case learnt(Layer, replaced: UInt32?)
        /// No RID on the packet, or one the section did not negotiate.
        case unknownRID
    }

    private(set) var layerBySSRC: [UInt32: Layer] = [:]
    private var ssrcByLayer: [Layer: UInt32] = [:]

    /// A packet of section `mid` (negotiated `rids`) on an SSRC not seen
    /// before, carrying `rid` and/or `repairedRid`.
    mutating func learn(ssrc: UInt32, mid: String, rids: [String], rid: String?, repairedRid: String?) -> Outcome {
        let layer: Layer
        if let rid, rids.contains(rid) {
            layer = Layer(mid: mid, rid: rid, repaired: false)
        } else if rid == nil, let repairedRid, rids.contains(repairedRid) {
            layer = Layer(mid: mid, rid: repairedRid, repaired: true)
        } else {
            return .unknownRID
        }
        let replaced = ssrcByLayer.updateValue(ssrc, forKey: layer)
        if let replaced { layerBySSRC[replaced] = nil }
        layerBySSRC[ssrc] = layer
        return .learnt(layer, replaced: replaced)
    }

    /// Keeps the layers whose section and RID are still negotiated
    /// (`rids`: mid → RIDs); returns the SSRCs of the others, forgotten.
    mutating func retain(rids: [String: [String]]) -> [UInt32] {
        var gone: [UInt32] = []
        for (ssrc, layer) in layerBySSRC where !(rids[layer.mid]?.contains(layer.rid) ?? false) {
            gone.append(ssrc)
            layerBySSRC[ssrc] = nil
            ssrcByLayer[layer] = nil
        }
        return gone
    }

    mutating func removeAll() {
        layerBySSRC = [:]
        ssrcByLayer = [:]
    }
}
