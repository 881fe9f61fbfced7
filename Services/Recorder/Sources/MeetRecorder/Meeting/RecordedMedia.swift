import Foundation
import MeetProtocol
import MeetRTC
import MeetRTCP
import MeetRTP
import NIOCore

/// What a subscriber connection hands the recorder: decoded RTP of a
/// recorded track and the senders' reports, stamped with the arrival time.
/// Sent off the connection's event loop into the meeting's bounded queue.
enum RecordedMedia: Sendable {
    case rtp(RTPPacket, trackID: String, publisher: UUID, now: Int64)
    case senderReport(trackID: String, ntp: UInt64, rtpTimestamp: UInt32, now: Int64)
}

/// The tracks of one subscription by media section, read from the node's
/// offer: `SubscriptionOffer.tracks` are in section order, so the n-th
/// `a=mid` of the offer carries the n-th track.
struct SubscriptionTrackMap: Sendable, Equatable {
    let byMid: [String: TrackInfo]

    init(offer: SubscriptionOffer) {
        let mids = offer.offer.split(whereSeparator: \.isNewline).compactMap { line -> String? in
            line.hasPrefix("a=mid:") ? String(line.dropFirst("a=mid:".count)).trimmingCharacters(in: .whitespaces) : nil
        }
        self.byMid = Dictionary(zip(mids, offer.tracks).map { ($0, $1) }, uniquingKeysWith: { first, _ in first })
    }
}

/// One subscriber connection of the recorder (today one per publisher, as
/// meet-load's): its UDP socket (a client's connections to one node cannot
/// share one: the socket routes by remote address) and the MeetRTC client
/// peer connection, whose delegate is a ``MediaTap``.
struct RecordingLeg: Sendable {
    let publisher: UUID
    let transportId: String
    let socket: RTCSocket
    let connection: PeerConnection

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
    private let publisher: UUID
    private let tracks: [String: TrackInfo]
    private let sink: @Sendable (RecordedMedia) -> Void
    /// SSRC → track id, learnt from RTP: sender reports name the SSRC.
    private var ssrcTracks: [UInt32: String] = [:]

    /// - Parameter tracks: the recorded tracks by mid (others are ignored).
    init(publisher: UUID, tracks: [String: TrackInfo], sink: @escaping @Sendable (RecordedMedia) -> Void) {
        self.publisher = publisher
        self.tracks = tracks
        self.sink = sink
    }

    func peerConnection(_ connection: PeerConnection, didChangeState state: PeerConnectionState) {}

    func peerConnection(_ connection: PeerConnection, didReceiveRTP packet: ByteBuffer, track: RemoteTrack) {
        guard let info = self.tracks[track.mid], let parsed = try? RTPPacket(parsing: packet) else { return }
        self.ssrcTracks[parsed.ssrc] = info.id
        self.sink(.rtp(parsed, trackID: info.id, publisher: self.publisher, now: RecordingSessions.now()))
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
