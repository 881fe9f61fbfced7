import Foundation

/// `--simulcast`: what the publishers sent per layer (dynacast stopping
/// and resuming them) and which layer the node forwarded to each video
/// subscription (the height of the last keyframe it received: the layers'
/// keyframes declare 180, 360 and 720 px).
struct SimulcastFigures: Codable, Sendable {
    struct Layer: Codable, Sendable {
        var rid: String
        var height: Int
        /// Mean rate per video publisher over the measurement, keyframes included.
        var kbpsPerPublisher: Double
        var frames: Int
        var keyframes: Int
        /// Dynacast turned it off / on again, all publishers together.
        var stops: Int
        var resumes: Int
        /// Share of the publishers' measured time it spent off.
        var offShare: Double
    }

    var layers: [Layer]
    /// `publisher-layers` messages the publishers applied.
    var publisherLayerMessages: Int
    /// Open video subscriptions by the height of the last keyframe received ("none": no keyframe yet).
    var subscriptionsByReceivedHeight: [String: Int]
    /// Their mean received video rate (since their first packet), by the same height.
    var receivedKbpsByHeight: [String: Double]

    init(results: [ParticipantResult], now: UInt64, measuredSeconds: Double) {
        let sent = results.compactMap(\.sent)
        let publishers = max(1, sent.filter { !$0.layers.isEmpty }.count)
        layers = SyntheticMedia.simulcastShapes.map { shape in
            let counters = sent.compactMap { $0.layers[shape.rid] }
            let bytes = counters.reduce(0) { $0 + $1.bytes }
            let off = counters.reduce(UInt64(0)) { $0 + $1.off(at: now) }
            return Layer(
                rid: shape.rid, height: shape.height,
                kbpsPerPublisher: measuredSeconds > 0 ? Double(bytes) * 8 / 1000 / measuredSeconds / Double(publishers) : 0,
                frames: counters.reduce(0) { $0 + $1.frames }, keyframes: counters.reduce(0) { $0 + $1.keyframes },
                stops: counters.reduce(0) { $0 + $1.stops }, resumes: counters.reduce(0) { $0 + $1.resumes },
                offShare: measuredSeconds > 0 ? min(1, Double(off) / 1e9 / measuredSeconds / Double(publishers)) : 0)
        }
        publisherLayerMessages = sent.reduce(0) { $0 + $1.publisherLayerMessages }
        var byHeight: [String: Int] = [:]
        var kbps: [String: Double] = [:]
        for subscription in results.flatMap(\.subscriptions) where subscription.active {
            for track in subscription.snapshot.tracks.values where track.isVideo {
                let key = track.lastKeyframeHeight.map { "\($0)" } ?? "none"
                byHeight[key, default: 0] += 1
                if let first = track.firstPacketAt, now > first {
                    kbps[key, default: 0] += Double(track.bytes) * 8 / 1000 / (Double(now - first) / 1e9)
                }
            }
        }
        subscriptionsByReceivedHeight = byHeight
        receivedKbpsByHeight = kbps.reduce(into: [:]) { result, entry in
            result[entry.key] = entry.value / Double(max(1, byHeight[entry.key] ?? 1))
        }
    }

    /// The table's lines.
    func lines(pad: (String, Int) -> String) -> [String] {
        var lines = layers.map { layer in
            pad("  layer \(layer.rid) (\(layer.height) px)", 34)
                + String(
                    format: "%.0f kbit/s per publisher, %d frames (%d keyframes), stopped %d× resumed %d×, off %.0f %%",
                    layer.kbpsPerPublisher, layer.frames, layer.keyframes, layer.stops, layer.resumes, layer.offShare * 100)
        }
        lines.insert(pad("simulcast", 34) + "\(publisherLayerMessages) publisher-layers applied", at: 0)
        let heights = subscriptionsByReceivedHeight.sorted { $0.key < $1.key }.map { key, count in
            "\(key) px: \(count)" + (receivedKbpsByHeight[key].map { String(format: " (%.0f kbit/s each)", $0) } ?? "")
        }
        lines.append(pad("  video subscriptions by layer got", 34) + heights.joined(separator: ", "))
        return lines
    }
}
