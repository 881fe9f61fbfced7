import Logging
import MeetRTC
import NIOCore
import NIOPosix

/// One MeetRTC client publisher and N client subscribers, each on its own
/// UDP loopback socket, all on one event-loop thread of their own (apart
/// from the SFU's): connects them through an `SFUUnderTest`'s signaling and
/// pumps SRTP video packets (VP8-shaped, a keyframe every 300 packets) from
/// the publisher as fast as the SFU keeps up: at most `window` packets per
/// subscriber in flight, and what is lost is written off after a quiet
/// `stallTimeout` so a drop never stalls the run. With `audio`, the
/// publisher also has an Opus-shaped audio track, sent at media rate only
/// (`runPaced`: a packet every 20 ms beside the video).
final class LoadGenerator: PeerConnectionDelegate, @unchecked Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let loop: any EventLoop
    let payloadSize: Int
    let window = 16
    let stallTimeout = TimeAmount.milliseconds(25)
    private var sockets: [RTCSocket] = []
    private var publisher: PeerConnection?
    private var subscribers: [PeerConnection] = []
    private let logger = quietLogger("bench.generator")

    // Event-loop state of the pump.
    private var publisherSSRC: UInt32 = 0
    private var audioSSRC: UInt32?
    private var sent = 0
    /// Audio packets among `sent`, and the audio track's own sequence.
    private var audioSent = 0
    private var delivered = 0
    private var writtenOff = 0
    private var target = 0
    private var lastProgress = NIODeadline.now()
    private var done: EventLoopPromise<Void>?
    private var watchdog: RepeatedTask?
    /// Media-rate mode with audio: the 20 ms audio sender while it runs.
    private var audioTimer: RepeatedTask?
    /// Media-rate mode: frames sent so far in `runPaced` (nil: window mode).
    private var pacedFrame: Int?
    private var payload: [UInt8]
    /// Packets delivered per subscriber connection (id), to spot one that gets nothing.
    private var perSubscriber: [String: Int] = [:]

    /// The address the clients bind and put in their candidates.
    let host: String
    /// Publish an audio track too (sent by `runPaced` only).
    let audio: Bool
    /// Bytes of each audio packet's payload (80: Opus at 32 kbit/s, 20 ms).
    let audioPayloadSize: Int
    private var audioPayload: [UInt8]

    init(payloadSize: Int, host: String = "127.0.0.1", audio: Bool = false, audioPayloadSize: Int = 80) {
        self.loop = group.next()
        self.host = host
        self.payloadSize = payloadSize
        self.payload = [UInt8](repeating: 0x5A, count: max(payloadSize, 3))
        self.audio = audio
        self.audioPayloadSize = audioPayloadSize
        self.audioPayload = [UInt8](repeating: 0xA5, count: max(audioPayloadSize, 1))
    }

    /// Connects the publisher and `subscriberCount` subscribers through `sfu`.
    func connect(to sfu: any SFUUnderTest, subscriberCount: Int) async throws {
        let configuration = try RTCConfiguration.generate(publicIP: host)
        func newClient(delegate: (any PeerConnectionDelegate)?) async throws -> PeerConnection {
            let socket = try await RTCSocket.bind(host: host, port: 0, group: group, logger: logger)
            sockets.append(socket)
            return PeerConnection(role: .client, socket: socket, configuration: configuration, delegate: delegate, logger: logger)
        }
        let publisher = try await newClient(delegate: nil)
        let kinds: [MediaKind] = audio ? [.audio, .video] : [.video]
        let offer = try await publisher.createOffer(kinds: kinds, direction: .sendonly, policy: .withoutTransportCC)
        try await publisher.acceptAnswer(try await sfu.publish(offer: offer))
        self.publisher = publisher
        let tracks = try await loop.submit { publisher.localTracks }.get()
        publisherSSRC = tracks.first { $0.kind == .video }?.ssrc ?? 0
        audioSSRC = tracks.first { $0.kind == .audio }?.ssrc
        if audio && audioSSRC == nil { throw BenchError("the SFU's answer took no audio track") }
        for _ in 0..<subscriberCount {
            let subscriber = try await newClient(delegate: self)
            let (id, offer) = try await sfu.subscribe()
            let answer = try await subscriber.acceptOffer(offer, sendBack: false, policy: .withoutTransportCC)
            try await sfu.acceptSubscriberAnswer(id: id, answer: answer)
            subscribers.append(subscriber)
        }
        let all = [publisher] + subscribers
        let deadline = ContinuousClock.now + .seconds(30)
        while try await loop.submit({ all.contains { $0.state != .connected } }).get() {
            let failed = try await loop.submit { all.first { $0.state.isTerminal }?.state }.get()
            if let failed { throw BenchError("a client connection ended: \(failed)") }
            guard ContinuousClock.now < deadline else { throw BenchError("clients not connected within 30 s") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// What one `run(packets:)` did.
    struct Result: Sendable {
        /// Packets the publisher sent, audio included.
        var sent: Int
        /// Audio packets among `sent` (media rate with audio only).
        var audioSent = 0
        var delivered: Int
        var wallSeconds: Double
        /// The fewest and the most packets one subscriber got, over the
        /// generator's whole life (warm-up included).
        var leastPerSubscriber: Int
        var mostPerSubscriber: Int
    }

    /// Sends `packets` more packets and waits until every subscriber got
    /// them (or what is missing was written off as lost).
    func run(packets: Int) async throws -> Result {
        let start = ContinuousClock.now
        let (sentBefore, deliveredBefore, finished) = try await loop.submit { () -> (Int, Int, EventLoopFuture<Void>) in
            let promise = self.loop.makePromise(of: Void.self)
            self.done = promise
            self.target = self.sent + packets
            self.lastProgress = .now()
            self.pacedFrame = nil
            self.watchdog = self.loop.scheduleRepeatedTask(initialDelay: self.stallTimeout, delay: self.stallTimeout) { _ in
                self.checkStall()
            }
            let counts = (self.sent, self.delivered, promise.futureResult)
            self.fill()
            return counts
        }.get()
        return try await finish(finished, start: start, sentBefore: sentBefore, deliveredBefore: deliveredBefore)
    }

    /// Waits for the run's promise, then counts what it did. The future is
    /// taken where the promise is made: a short run can complete (and clear
    /// `done`) before a later hop onto the loop would see it.
    private func finish(
        _ finished: EventLoopFuture<Void>, start: ContinuousClock.Instant, sentBefore: Int, deliveredBefore: Int,
        audioSentBefore: Int = 0
    ) async throws -> Result {
        try await finished.get()
        let (sent, delivered, least, most, audioSent) = try await loop.submit { () -> (Int, Int, Int, Int, Int) in
            let counts = self.subscribers.map { self.perSubscriber[$0.id, default: 0] }
            return (self.sent, self.delivered, counts.min() ?? 0, counts.max() ?? 0, self.audioSent)
        }.get()
        let wall = start.duration(to: .now)
        return Result(
            sent: sent - sentBefore, audioSent: audioSent - audioSentBefore, delivered: delivered - deliveredBefore,
            wallSeconds: Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18,
            leastPerSubscriber: least, mostPerSubscriber: most)
    }

    func close() async throws {
        for socket in sockets { try await socket.close() }
        try await group.shutdownGracefully()
    }

    // MARK: Event loop

    private var fanOut: Int { subscribers.count }

    /// Sends while the window allows; completes the run when all is in.
    private func fill() {
        guard pacedFrame == nil else { return }
        while sent < target, sent * fanOut - delivered - writtenOff < window * fanOut {
            sendOne()
        }
        if sent >= target, delivered + writtenOff >= sent * fanOut, let promise = done {
            done = nil
            watchdog?.cancel()
            watchdog = nil
            promise.succeed()
        }
    }

    private func checkStall() {
        guard done != nil, NIODeadline.now() - lastProgress >= stallTimeout else { return }
        writtenOff = max(writtenOff, sent * fanOut - delivered)
        lastProgress = .now()
        fill()
    }

    private func sendOne() {
        let index = sent
        // Saturation: ten packets a frame, a keyframe every 300 packets.
        sendPacket(keyframe: index % 300 == 0, marker: index % 10 == 9, timestamp: UInt32(truncatingIfNeeded: index / 10 * 3000))
    }

    private func sendPacket(keyframe: Bool, marker: Bool, timestamp: UInt32) {
        guard let publisher else { return }
        // The video track's own sequence: audio packets are not in it.
        let index = sent - audioSent
        sent += 1
        // VP8 payload descriptor (RFC 7741 §4.2): S=1, PID 0; P=0 marks a keyframe.
        payload[0] = 0x10
        payload[1] = keyframe ? 0x00 : 0x01
        var buffer = ByteBufferAllocator().buffer(capacity: 12 + payload.count + 32)
        buffer.writeInteger(UInt8(0x80))
        buffer.writeInteger(UInt8(marker ? 0x80 | 96 : 96))
        buffer.writeInteger(UInt16(truncatingIfNeeded: index))
        buffer.writeInteger(timestamp)
        buffer.writeInteger(publisherSSRC)
        buffer.writeBytes(payload)
        publisher.sendRTP(buffer)
    }

    // MARK: Media rate

    /// Sends video at a media rate instead of as fast as the SFU keeps up:
    /// `framesPerSecond` frames of `packetsPerFrame` packets for `seconds`
    /// (a keyframe every 100 frames) and, with `audio`, one audio packet
    /// every 20 ms (50 a second) beside it; then waits until every
    /// subscriber got every packet or `settle` passed without progress (the
    /// rest is lost).
    func runPaced(seconds: Double, framesPerSecond: Int = 30, packetsPerFrame: Int, settle: TimeAmount = .milliseconds(300)) async throws -> Result {
        let start = ContinuousClock.now
        let frames = max(1, Int(seconds * Double(framesPerSecond)))
        let audioPackets = audio ? max(1, Int(seconds * 50)) : 0
        let (sentBefore, deliveredBefore, audioSentBefore, finished) = try await loop.submit {
            () -> (Int, Int, Int, EventLoopFuture<Void>) in
            let promise = self.loop.makePromise(of: Void.self)
            self.done = promise
            let counts = (self.sent, self.delivered, self.audioSent, promise.futureResult)
            self.pacedFrame = 0
            var audioLeft = audioPackets
            if audioLeft > 0 {
                self.audioTimer = self.loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(20)) { task in
                    self.sendAudioPacket()
                    self.lastProgress = .now()
                    audioLeft -= 1
                    if audioLeft == 0 {
                        task.cancel()
                        self.audioTimer = nil
                    }
                }
            }
            self.watchdog = self.loop.scheduleRepeatedTask(initialDelay: .zero, delay: .nanoseconds(1_000_000_000 / Int64(framesPerSecond))) { task in
                let frame = self.pacedFrame ?? frames
                guard frame < frames else {
                    // Sending is over (video and audio): finish once all is in or nothing moved for `settle`.
                    guard self.audioTimer == nil else { return }
                    if self.delivered >= self.sent * self.fanOut || NIODeadline.now() - self.lastProgress >= settle {
                        task.cancel()
                        self.watchdog = nil
                        self.pacedFrame = nil
                        self.done = nil
                        promise.succeed()
                    }
                    return
                }
                for packet in 0..<packetsPerFrame {
                    self.sendPacket(
                        keyframe: frame % 100 == 0 && packet == 0, marker: packet == packetsPerFrame - 1,
                        timestamp: UInt32(truncatingIfNeeded: frame * 90_000 / framesPerSecond))
                }
                self.pacedFrame = frame + 1
                self.lastProgress = .now()
            }
            return counts
        }.get()
        return try await finish(
            finished, start: start, sentBefore: sentBefore, deliveredBefore: deliveredBefore, audioSentBefore: audioSentBefore)
    }

    /// One Opus-shaped packet on the audio track (payload type 111, 960
    /// samples of 48 kHz a packet, no header extension).
    private func sendAudioPacket() {
        guard let publisher, let audioSSRC else { return }
        let index = audioSent
        audioSent += 1
        sent += 1
        var buffer = ByteBufferAllocator().buffer(capacity: 12 + audioPayload.count + 32)
        buffer.writeInteger(UInt8(0x80))
        buffer.writeInteger(UInt8(111))
        buffer.writeInteger(UInt16(truncatingIfNeeded: index))
        buffer.writeInteger(UInt32(truncatingIfNeeded: index * 960))
        buffer.writeInteger(audioSSRC)
        buffer.writeBytes(audioPayload)
        publisher.sendRTP(buffer)
    }

    // MARK: PeerConnectionDelegate (subscribers)

    func peerConnection(_ connection: PeerConnection, didReceiveRTP packet: ByteBuffer, track: RemoteTrack) {
        delivered += 1
        perSubscriber[connection.id, default: 0] += 1
        lastProgress = .now()
        fill()
    }
}
