import MeetRTC
import MeetRTCP
import NIOConcurrencyHelpers
import NIOCore

/// A publisher's media: sends the pre-built VP8 frames (`framesPerSecond`)
/// and Opus packets (every 20 ms) on its peer connection's event loop, and
/// answers the node's keyframe requests (PLI, FIR: RFC 4585 §6.3.1, RFC 5104
/// §4.3.1) with the next frame, at most one forced keyframe per 100 ms as a
/// real encoder would (libwebrtc answers each request, spaced by
/// the receivers' own throttling).
///
/// With `--simulcast` (the answer accepted the offer's `q;h;f`) the video is
/// three streams, one per RID, each with its own SSRC, sizes and rate
/// (``SyntheticMedia/simulcastLayers``), the mid and RtpStreamId extensions
/// on every packet; a keyframe request names one layer's SSRC and gets that
/// layer's keyframe. The node's dynacast (`publisher-layers`,
/// ``setActiveLayers(_:)``) stops the layers nobody receives and resumes
/// them, as a browser sets `encodings[i].active`; a resumed layer starts
/// with a keyframe, as libwebrtc's does.
///
/// Confinement: everything but ``counters`` lives on the connection's loop;
/// the delegate methods are called there, ``start(connection:audioLevelID:)``
/// and ``stop()`` hop there.
final class MediaSender: PeerConnectionDelegate, @unchecked Sendable {
    struct Counters: Sendable {
        var videoFrames = 0
        var videoPackets = 0
        var audioPackets = 0
        var bytes = 0
        var keyframes = 0
        var keyframeRequests = 0
        /// `--simulcast`: per RID.
        var layers: [String: LayerCounters] = [:]
        /// `publisher-layers` messages applied (for this connection).
        var publisherLayerMessages = 0

        /// Each layer's off time closed at `now` (``LayerCounters/closingOff(at:)``):
        /// a replaced publication's layers are not off for the rest of the run.
        func closingOff(at now: UInt64) -> Counters {
            var closed = self
            closed.layers = layers.mapValues { $0.closingOff(at: now) }
            return closed
        }

        /// These and `other` together (a publication and the one it replaced).
        func adding(_ other: Counters) -> Counters {
            Counters(
                videoFrames: videoFrames + other.videoFrames, videoPackets: videoPackets + other.videoPackets,
                audioPackets: audioPackets + other.audioPackets, bytes: bytes + other.bytes,
                keyframes: keyframes + other.keyframes, keyframeRequests: keyframeRequests + other.keyframeRequests,
                layers: layers.merging(other.layers) { $0.adding($1) },
                publisherLayerMessages: publisherLayerMessages + other.publisherLayerMessages)
        }
    }

    /// One simulcast layer's share of ``Counters``.
    struct LayerCounters: Sendable {
        var frames = 0
        var bytes = 0
        var keyframes = 0
        /// Dynacast turned it off / on again.
        var stops = 0
        var resumes = 0
        /// Nanoseconds it spent off (until the last resume; a layer still off
        /// at the end counts from ``offSince``).
        var offNanos: UInt64 = 0
        var offSince: UInt64?

        func adding(_ other: LayerCounters) -> LayerCounters {
            LayerCounters(
                frames: frames + other.frames, bytes: bytes + other.bytes, keyframes: keyframes + other.keyframes,
                stops: stops + other.stops, resumes: resumes + other.resumes, offNanos: offNanos + other.offNanos,
                offSince: offSince ?? other.offSince)
        }

        /// Nanoseconds off up to `now`.
        func off(at now: UInt64) -> UInt64 { offNanos + (offSince.map { now &- $0 } ?? 0) }

        /// Off time counted up to `now` and no more: the connection ended.
        func closingOff(at now: UInt64) -> LayerCounters {
            var closed = self
            closed.offNanos = off(at: now)
            closed.offSince = nil
            return closed
        }
    }

    /// One outgoing video stream: the one stream, or a simulcast layer.
    struct VideoStream {
        var writer: RTPStreamWriter
        /// Nil for the one stream.
        var rid: String?
        var keyframePayloads: [[UInt8]]
        var deltaPayloads: [[UInt8]]
        var keyframeWanted = true
        var lastForcedKeyframe: NIODeadline = .distantPast
        /// Dynacast: false while the node says nobody receives it.
        var active = true
    }

    /// Read from any thread (progress and report).
    let counters = NIOLockedValueBox(Counters())
    private let media: SyntheticMedia
    /// Whether to send loud (a simulated speaker) or silent audio levels now,
    /// when RFC 6464 is negotiated; asked once per audio packet.
    private let speaking: @Sendable () -> Bool
    private let onState: @Sendable (PeerConnectionState) -> Void

    // Event-loop state.
    private var connection: PeerConnection?
    private var videoMid: String?
    private var videos: [VideoStream] = []
    private var audio: RTPStreamWriter?
    private var frameIndex = 0
    private var tickers: [Ticker] = []
    private let allocator = ByteBufferAllocator()

    /// Forced keyframes at most this often: a burst of requests (many
    /// subscribers connecting at once) costs one keyframe, not one each.
    static let keyframeSpacing = TimeAmount.milliseconds(100)

    /// The connection's (its socket's) event loop.
    let loop: any EventLoop

    init(
        loop: any EventLoop, media: SyntheticMedia, speaking: @escaping @Sendable () -> Bool,
        onState: @escaping @Sendable (PeerConnectionState) -> Void
    ) {
        self.loop = loop
        self.media = media
        self.speaking = speaking
        self.onState = onState
    }

    /// Starts sending on `connection`'s tracks (after its answer was applied).
    func start(connection: PeerConnection, audioLevelID: UInt8?) async throws {
        try await loop.submit {
            self.connection = connection
            let ids = connection.headerExtensionIDs
            for track in connection.localTracks {
                let payloadType = connection.negotiatedSendCodecs(mid: track.mid).first?.payloadType
                    ?? (track.kind == .video ? OfferRules.vp8.payloadType : OfferRules.opus.payloadType)
                var writer = RTPStreamWriter(ssrc: track.ssrc, payloadType: payloadType)
                if track.kind == .audio {
                    writer.audioLevelID = audioLevelID
                    self.audio = writer
                } else if !track.layers.isEmpty {
                    // Layers without the RID extension would reach the node as streams it cannot tell apart.
                    guard let ridID = ids.id(of: MediaPolicy.ridURI) else {
                        throw LoadError(
                            "simulcast_without_rid",
                            "the answer accepted \(track.layers.count) layers for mid \(track.mid) without the RID header extension")
                    }
                    // The layers the answer accepted, lowest first, each with its RID (and mid) on every packet.
                    self.videoMid = track.mid
                    let midElement = ids.id(of: MediaPolicy.midURI).map { [(id: $0, value: Array(track.mid.utf8))] } ?? []
                    for layer in track.layers {
                        guard let media = self.media.simulcastLayers.first(where: { $0.rid == layer.rid })
                            ?? self.media.simulcastLayers.last
                        else { continue }
                        var layerWriter = RTPStreamWriter(ssrc: layer.ssrc, payloadType: payloadType)
                        layerWriter.fixedExtensions = midElement + [(ridID, Array(layer.rid.utf8))]
                        self.videos.append(VideoStream(
                            writer: layerWriter, rid: layer.rid, keyframePayloads: media.keyframePayloads,
                            deltaPayloads: media.deltaPayloads))
                    }
                } else {
                    self.videoMid = track.mid
                    self.videos = [VideoStream(
                        writer: writer, rid: nil, keyframePayloads: self.media.keyframePayloads,
                        deltaPayloads: self.media.deltaPayloads)]
                }
            }
            if !self.videos.isEmpty {
                let period = TimeAmount.nanoseconds(1_000_000_000 / Int64(self.media.framesPerSecond))
                self.tickers.append(Ticker(loop: self.loop, period: period) { self.sendFrame() })
            }
            if self.audio != nil {
                self.tickers.append(Ticker(loop: self.loop, period: .milliseconds(20)) { self.sendAudio() })
            }
        }.get()
    }

    /// Stops the timers (the connection stays open until closed).
    func stop() async {
        try? await loop.submit {
            for ticker in self.tickers { ticker.cancel() }
            self.tickers = []
        }.get()
    }

    private func sendFrame() {
        guard let connection, connection.canSendMedia else { return }
        let natural = frameIndex % media.keyframeInterval == 0
        frameIndex += 1
        var sent: [(rid: String?, bytes: Int, packets: Int, keyframe: Bool)] = []
        for index in videos.indices where videos[index].active {
            let keyframe = videos[index].keyframeWanted || natural
            videos[index].keyframeWanted = false
            let payloads = keyframe ? videos[index].keyframePayloads : videos[index].deltaPayloads
            var bytes = 0
            for (number, payload) in payloads.enumerated() {
                let packet = videos[index].writer.packet(payload: payload, marker: number == payloads.count - 1, allocator: allocator)
                bytes += packet.readableBytes
                connection.sendRTP(packet)
            }
            videos[index].writer.advance(by: UInt32(90_000 / media.framesPerSecond))
            sent.append((videos[index].rid, bytes, payloads.count, keyframe))
        }
        // A stopped layer's timestamps go on with the clock, as an encoder's capture times.
        for index in videos.indices where !videos[index].active {
            videos[index].writer.advance(by: UInt32(90_000 / media.framesPerSecond))
        }
        guard !sent.isEmpty else { return }
        counters.withLockedValue { Self.count(frame: sent, into: &$0) }
    }

    /// One video frame tick's streams (`rid` nil: the one stream) counted
    /// into `counters`: frames and keyframes once per tick, like a picture
    /// (a keyframe on every layer is one keyframe in the totals; each layer
    /// counts its own in ``LayerCounters``), packets and bytes of all.
    static func count(frame sent: [(rid: String?, bytes: Int, packets: Int, keyframe: Bool)], into counters: inout Counters) {
        counters.videoFrames += 1
        if sent.contains(where: \.keyframe) { counters.keyframes += 1 }
        for stream in sent {
            counters.videoPackets += stream.packets
            counters.bytes += stream.bytes
            if let rid = stream.rid {
                counters.layers[rid, default: LayerCounters()].frames += 1
                counters.layers[rid, default: LayerCounters()].bytes += stream.bytes
                if stream.keyframe { counters.layers[rid, default: LayerCounters()].keyframes += 1 }
            }
        }
    }

    /// Dynacast (`publisher-layers` for this connection): sends only the
    /// RIDs in `active` of the video section `mid`; a layer turned back on
    /// starts with a keyframe. Nothing for the one stream or another mid.
    func setActiveLayers(_ sections: [(mid: String, active: [String])]) {
        loop.execute {
            guard let mid = self.videoMid, let section = sections.first(where: { $0.mid == mid }) else { return }
            let now = monotonicNanos()
            let changes = Self.apply(active: section.active, to: &self.videos)
            self.counters.withLockedValue {
                $0.publisherLayerMessages += 1
                for change in changes {
                    var layer = $0.layers[change.rid, default: LayerCounters()]
                    if change.active {
                        layer.resumes += 1
                        layer.offNanos += layer.offSince.map { now &- $0 } ?? 0
                        layer.offSince = nil
                    } else {
                        layer.stops += 1
                        layer.offSince = now
                    }
                    $0.layers[change.rid] = layer
                }
            }
        }
    }

    /// Turns each simulcast layer of `videos` on or off by whether `active`
    /// names its RID (the one stream, without a RID, is left alone); a layer
    /// turned back on wants a keyframe. Returns the layers that changed.
    static func apply(active: [String], to videos: inout [VideoStream]) -> [(rid: String, active: Bool)] {
        var changes: [(rid: String, active: Bool)] = []
        for index in videos.indices {
            guard let rid = videos[index].rid else { continue }
            let on = active.contains(rid)
            guard on != videos[index].active else { continue }
            videos[index].active = on
            if on { videos[index].keyframeWanted = true }
            changes.append((rid, on))
        }
        return changes
    }

    private func sendAudio() {
        guard let connection, var audio, connection.canSendMedia else { return }
        // A speaker varies between loud and quieter syllables; the others send silence.
        let speaking = self.speaking()
        let level: UInt8 = speaking ? UInt8(10 + (Int(audio.sequenceNumber) / 10 % 3) * 8) : 127
        let packet = audio.packet(
            payload: media.opusPayload, marker: false, allocator: allocator,
            audioLevel: (level, speaking))
        audio.advance(by: 960)
        self.audio = audio
        counters.withLockedValue {
            $0.audioPackets += 1
            $0.bytes += packet.readableBytes
        }
        connection.sendRTP(packet)
    }

    // MARK: PeerConnectionDelegate

    func peerConnection(_ connection: PeerConnection, didChangeState state: PeerConnectionState) {
        if state.isTerminal {
            for ticker in tickers { ticker.cancel() }
            tickers = []
        }
        onState(state)
    }

    func peerConnection(_ connection: PeerConnection, didReceiveRTP packet: ByteBuffer, track: RemoteTrack) {}

    func peerConnection(_ connection: PeerConnection, didReceiveRTCP packet: ByteBuffer) {
        guard !videos.isEmpty, let packets = try? RTCPPacket.parseCompound(packet) else { return }
        let now = NIODeadline.now()
        for index in videos.indices {
            let ssrc = videos[index].writer.ssrc
            let asked = packets.contains { packet in
                switch packet {
                case .pictureLossIndication(let pli): pli.mediaSSRC == ssrc
                case .fullIntraRequest(let fir): fir.entries.contains { $0.ssrc == ssrc }
                default: false
                }
            }
            guard asked else { continue }
            counters.withLockedValue { $0.keyframeRequests += 1 }
            if now - videos[index].lastForcedKeyframe >= Self.keyframeSpacing {
                videos[index].lastForcedKeyframe = now
                videos[index].keyframeWanted = true
            }
        }
    }
}
