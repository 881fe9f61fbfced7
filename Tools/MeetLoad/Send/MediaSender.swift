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

        /// These and `other` together (a publication and the one it replaced).
        func adding(_ other: Counters) -> Counters {
            Counters(
                videoFrames: videoFrames + other.videoFrames, videoPackets: videoPackets + other.videoPackets,
                audioPackets: audioPackets + other.audioPackets, bytes: bytes + other.bytes,
                keyframes: keyframes + other.keyframes, keyframeRequests: keyframeRequests + other.keyframeRequests)
        }
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
    private var video: RTPStreamWriter?
    private var audio: RTPStreamWriter?
    private var frameIndex = 0
    private var keyframeWanted = true
    private var lastForcedKeyframe: NIODeadline = .distantPast
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
            for track in connection.localTracks {
                let payloadType = connection.negotiatedSendCodecs(mid: track.mid).first?.payloadType
                    ?? (track.kind == .video ? OfferRules.vp8.payloadType : OfferRules.opus.payloadType)
                var writer = RTPStreamWriter(ssrc: track.ssrc, payloadType: payloadType)
                if track.kind == .audio {
                    writer.audioLevelID = audioLevelID
                    self.audio = writer
                } else {
                    self.video = writer
                }
            }
            if self.video != nil {
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
        guard let connection, var video, connection.canSendMedia else { return }
        let keyframe = keyframeWanted || frameIndex % media.keyframeInterval == 0
        keyframeWanted = false
        frameIndex += 1
        let payloads = keyframe ? media.keyframePayloads : media.deltaPayloads
        var bytes = 0
        for (index, payload) in payloads.enumerated() {
            let packet = video.packet(payload: payload, marker: index == payloads.count - 1, allocator: allocator)
            bytes += packet.readableBytes
            connection.sendRTP(packet)
        }
        video.advance(by: UInt32(90_000 / media.framesPerSecond))
        self.video = video
        counters.withLockedValue {
            $0.videoFrames += 1
            $0.videoPackets += payloads.count
            $0.bytes += bytes
            if keyframe { $0.keyframes += 1 }
        }
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
        guard let ssrc = video?.ssrc, let packets = try? RTCPPacket.parseCompound(packet) else { return }
        let asked = packets.contains { packet in
            switch packet {
            case .pictureLossIndication(let pli): pli.mediaSSRC == ssrc
            case .fullIntraRequest(let fir): fir.entries.contains { $0.ssrc == ssrc }
            default: false
            }
        }
        guard asked else { return }
        counters.withLockedValue { $0.keyframeRequests += 1 }
        let now = NIODeadline.now()
        if now - lastForcedKeyframe >= Self.keyframeSpacing {
            lastForcedKeyframe = now
            keyframeWanted = true
        }
    }
}
