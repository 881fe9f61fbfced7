import Foundation
import MeetProtocol
import MeetRTC
import MeetRTCP
import MeetRTP
import NIOConcurrencyHelpers
import NIOCore

/// What a subscriber connection hands the recorder: decoded RTP of a
/// recorded track and the senders' reports, stamped with the arrival time.
/// Sent off the connection's event loop into the meeting's bounded queue.
enum RecordedMedia: Sendable {
    case rtp(RTPPacket, trackID: String, node: String, now: Int64)
    case senderReport(trackID: String, ntp: UInt64, rtpTimestamp: UInt32, now: Int64)
}

/// The tracks of one subscription by media section. A per-node offer names
/// the section of each track (`TrackInfo.mid`, docs/signaling.md, "One
/// subscriber connection per node"); a track without one is taken in
/// section order (the n-th `a=mid` of the offer carries the n-th track),
/// as the one-publisher offer lists them.
struct SubscriptionTrackMap: Sendable, Equatable {
    let byMid: [String: TrackInfo]

    init(offer: SubscriptionOffer) {
        if offer.tracks.allSatisfy({ $0.mid != nil }) {
            self.byMid = Dictionary(offer.tracks.map { ($0.mid!, $0) }, uniquingKeysWith: { first, _ in first })
            return
        }
        let mids = offer.offer.split(whereSeparator: \.isNewline).compactMap { line -> String? in
            line.hasPrefix("a=mid:") ? String(line.dropFirst("a=mid:".count)).trimmingCharacters(in: .whitespaces) : nil
        }
        self.byMid = Dictionary(zip(mids, offer.tracks).map { ($0, $1) }, uniquingKeysWith: { first, _ in first })
    }
}

/// The recorder's one subscriber connection to a node (`perNode`): its UDP
/// socket (a client's connections cannot share one: the socket routes by
/// remote address), the MeetRTC client peer connection, and its delegate,
/// the ``MediaTap``, whose tracks follow each re-offer.
struct RecordingLeg: Sendable {
    let node: String
    let transportId: String
    let socket: RTCSocket
    let connection: PeerConnection
    let tap: MediaTap

    /// Asks the publisher (through the node) for a keyframe of `ssrc` (RFC 4585 §6.3.1 PLI).
    func requestKeyframe(ssrc: UInt32) {
        var bytes: [UInt8] = []
        RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: ssrc).write(into: &bytes)
        let connection = self.connection
        connection.eventLoop.execute { connection.sendRTCP(ByteBuffer(bytes: bytes)) }
    }

    func close() async {
        await self.connection.closeAsync(reason: "recording over")
        try? await self.socket.close()
    }
}

/// A subscriber connection's delegate: turns what arrives into
/// ``RecordedMedia`` for the tracks it records and hands it to `sink`.
/// Runs on the connection's event loop (its state is confined there).
final class MediaTap: PeerConnectionDelegate, @unchecked Sendable {
    private let node: String
    /// The recorded tracks by mid, replaced at each (re-)offer from the recorder's task.
    private let tracks = NIOLockedValueBox<[String: TrackInfo]>([:])
    private let sink: @Sendable (RecordedMedia) -> Void
    /// SSRC → track id, learnt from RTP (event loop only): sender reports name the SSRC.
    private var ssrcTracks: [UInt32: String] = [:]

    init(node: String, sink: @escaping @Sendable (RecordedMedia) -> Void) {
        self.node = node
        self.sink = sink
    }

    /// The recorded tracks by mid from now on (others are ignored).
    func update(_ tracks: [String: TrackInfo]) {
        self.tracks.withLockedValue { $0 = tracks }
    }

    func peerConnection(_ connection: PeerConnection, didChangeState state: PeerConnectionState) {}

    func peerConnection(_ connection: PeerConnection, didReceiveRTP packet: ByteBuffer, track: RemoteTrack) {
        guard let info = self.tracks.withLockedValue({ $0[track.mid] }), let parsed = try? RTPPacket(parsing: packet) else { return }
        self.ssrcTracks[parsed.ssrc] = info.id
        self.sink(.rtp(parsed, trackID: info.id, node: self.node, now: RecordingSessions.now()))
    }

    func peerConnection(_ connection: PeerConnection, didReceiveRTCP packet: ByteBuffer) {
        guard let packets = try? RTCPPacket.parseCompound(packet) else { return }
        let now = RecordingSessions.now()
        for case .senderReport(let report) in packets {
            guard let trackID = self.ssrcTracks[report.ssrc] else { continue }
            self.sink(.senderReport(trackID: trackID, ntp: report.ntpTimestamp, rtpTimestamp: report.rtpTimestamp, now: now))
        }
    }
}
