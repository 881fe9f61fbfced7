import Logging
import MeetRTC
import MeetRTP
import MeetSFU
import NIOCore

/// Which router track a publisher's packet is (``PublisherTransport``): a
/// new SSRC enters the router on its first packet, as a single stream, a
/// simulcast layer of its section's group track, or an RTX stream that
/// repairs one of them (MeetSFU `Router+Repair`). Event loop only; not on
/// the per-packet path (only a packet the router does not place comes here).
extension PublisherTransport {
    /// Puts the packet's SSRC into the router with the codec its payload
    /// type names, and gives every subscriber its down-track. False when the
    /// payload type was not negotiated (the packet is dropped).
    func register(_ packet: ByteBuffer, track: RemoteTrack) -> Bool {
        guard let header = packet.withUnsafeReadableBytes({ try? RTPHeader(parsing: $0) }),
              let codec = track.codecs.first(where: { $0.payloadType == header.payloadType }),
              routed.count < 32 || routed[header.ssrc] != nil
        else { return false }
        let ssrc = header.ssrc
        if codec.name.lowercased() == "rtx" {
            guard registerRepair(ssrc: ssrc, codec: codec, track: track) else {
                unpairedRepairs &+= 1
                return false
            }
            return true
        }
        let now = ContinuousClock.now
        var simulcast: TrackConfiguration.Simulcast?
        var rid = "none"
        if !track.rids.isEmpty {
            // A layer's RTX (repaired RID) comes with the RTX payload type, above.
            guard let layer = connection?.simulcastLayer(ofSSRC: ssrc), !layer.repaired,
                  let index = track.rids.firstIndex(of: layer.rid)
            else { return false }
            simulcast = .layer(group: simulcastGroup(of: track, codec: codec, now: now), index: index)
            rid = layer.rid
            // A new SSRC for a RID replaces the old one (the receiver retired
            // it): two tracks for one layer would confuse the layer snapshots
            // and keyframe requests, and fill the 32 routed SSRCs.
            for (old, routedTrack) in routed where old != ssrc && routedTrack.simulcast == simulcast {
                router.removeTrack(ssrc: old)
                routed[old] = nil
            }
        }
        router.removeTrack(ssrc: ssrc)
        router.addTrack(TrackConfiguration(
            ssrc: ssrc, codec: Self.routerCodec(codec.name), payloadType: codec.payloadType, clockRate: codec.clockRate,
            simulcast: simulcast))
        routed[ssrc] = RoutedTrack(mid: track.mid, codec: codec, simulcast: simulcast)
        if isMuted(mid: track.mid) { router.setMuted(true, publisherSSRC: ssrc, now: now) }
        logger.debug("track routed", metadata: [
            "transport": "\(id)", "mid": "\(track.mid)", "ssrc": "\(ssrc)", "codec": "\(codec.name)",
            "rid": "\(rid)",
        ])
        // A layer reaches subscribers through its group's down-tracks.
        if simulcast == nil { addDownTracks(publisherSSRC: ssrc, now: now) }
        return true
    }

    /// A publisher's RTX stream (RFC 4588; the answer keeps an offered `rtx`
    /// codec, `MediaPolicy.acceptsRTX`): routed as repairs of the media
    /// stream it pairs with, the layer its RepairedRtpStreamId names in a
    /// simulcast section, else the section's one routed stream of the
    /// codec the RTX `apt` names. False (the packet is dropped) until that
    /// media stream is routed.
    private func registerRepair(ssrc: UInt32, codec: CodecModel, track: RemoteTrack) -> Bool {
        guard let apt = MediaPolicy.associatedPayloadType(of: codec) else { return false }
        var media: UInt32?
        if track.rids.isEmpty {
            var matches = 0
            for (ssrc, entry) in routed where entry.mid == track.mid && entry.simulcast == nil && entry.codec.payloadType == apt {
                media = ssrc
                matches += 1
            }
            if matches != 1 { media = nil }
        } else {
            guard let layer = connection?.simulcastLayer(ofSSRC: ssrc), layer.repaired,
                  let index = track.rids.firstIndex(of: layer.rid)
            else { return false }
            media = routed.first { entry in
                guard entry.value.mid == track.mid, entry.value.codec.payloadType == apt,
                      case .layer(_, let layerIndex)? = entry.value.simulcast
                else { return false }
                return layerIndex == index
            }?.key
        }
        guard let media,
              router.addRepairStream(ssrc: ssrc, RepairStream(mediaSSRC: media, payloadType: codec.payloadType, mediaPayloadType: apt))
        else { return false }
        logger.debug("RTX stream routed", metadata: [
            "transport": "\(id)", "mid": "\(track.mid)", "ssrc": "\(ssrc)", "media_ssrc": "\(media)",
        ])
        return true
    }

    /// The group track of a simulcast section: the one routed for `codec`,
    /// else a new one (on the first layer, or when the codec changed), with
    /// an SSRC no track of ours has, and every subscriber's down-track.
    private func simulcastGroup(of track: RemoteTrack, codec: CodecModel, now: ContinuousClock.Instant) -> UInt32 {
        if let group = routed.first(where: { $0.value.mid == track.mid && $0.value.simulcast == .group }) {
            if group.value.codec.payloadType == codec.payloadType { return group.key }
            router.removeTrack(ssrc: group.key)
            routed[group.key] = nil
        }
        var ssrc = UInt32.random(in: 1...UInt32.max)
        while routed[ssrc] != nil || router.track(ssrc: ssrc) != nil { ssrc = UInt32.random(in: 1...UInt32.max) }
        router.addTrack(TrackConfiguration(
            ssrc: ssrc, codec: Self.routerCodec(codec.name), payloadType: codec.payloadType, clockRate: codec.clockRate,
            simulcast: .group))
        routed[ssrc] = RoutedTrack(mid: track.mid, codec: codec, simulcast: .group)
        if isMuted(mid: track.mid) { router.setMuted(true, publisherSSRC: ssrc, now: now) }
        addDownTracks(publisherSSRC: ssrc, now: now)
        return ssrc
    }

    private func addDownTracks(publisherSSRC: UInt32, now: ContinuousClock.Instant) {
        for subscriber in subscribers.values { subscriber.addDownTrack(from: self, publisherSSRC: publisherSSRC, now: now) }
    }

    static func routerCodec(_ name: String) -> TrackConfiguration.Codec {
        switch name.lowercased() {
        case "opus": .opus
        case "vp8": .vp8
        case "h264": .h264
        default: .other
        }
    }
}
