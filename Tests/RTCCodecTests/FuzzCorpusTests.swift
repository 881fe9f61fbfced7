import Foundation
import Testing
@testable import MeetRTCP
@testable import MeetRTP
@testable import MeetSDP
@testable import MeetSTUN

/// The committed libFuzzer seeds (Tools/Fuzz/Corpus) are real-shaped packets: each
/// must parse and round-trip here too. Inputs a fuzz run found crashing are added
/// to the corpus after the fix, so this also serves as their regression test.
@Suite("Fuzz seed corpus")
struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tools/Fuzz/Corpus")

    static func seeds(_ target: String) throws -> [(String, [UInt8])] {
        let dir = corpus.appendingPathComponent(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        return try names.map { ($0, Array(try Data(contentsOf: dir.appendingPathComponent($0)))) }
    }

    @Test("STUN seeds parse and round-trip")
    func stunSeeds() throws {
        let seeds = try Self.seeds("stun")
        #expect(seeds.count >= 10)
        for (name, bytes) in seeds {
            let message = try STUNMessage(parsing: bytes)
            #expect(STUNMessage.isProbablySTUN(bytes), "\(name)")
            #expect(try STUNMessage(parsing: message.encode(fingerprint: true)) == message, "\(name)")
        }
    }

    @Test("RTP seeds parse and round-trip")
    func rtpSeeds() throws {
        let seeds = try Self.seeds("rtp")
        #expect(seeds.count >= 10)
        for (name, bytes) in seeds {
            let packet = try RTPPacket(parsing: bytes)
            _ = try packet.extensions()
            #expect(try RTPPacket(parsing: try packet.encode()) == packet, "\(name)")
        }
        let keyframe = try #require(seeds.first { $0.0 == "vp8-keyframe" })
        let header = try RTPHeader(parsing: keyframe.1)
        #expect(VP8PayloadDescriptor.isKeyframe(payload: Array(keyframe.1[header.payloadRange])))
        let idr = try #require(seeds.first { $0.0 == "h264-fu-a-idr-start" })
        #expect(H264Keyframe.isKeyframe(payload: try RTPPacket(parsing: idr.1).payload))
    }

    @Test("RTCP seeds parse and re-encode stably")
    func rtcpSeeds() throws {
        let seeds = try Self.seeds("rtcp")
        #expect(seeds.count >= 10)
        for (name, bytes) in seeds {
            let packets = try RTCPPacket.parseCompound(bytes)
            let encoded = try RTCPPacket.encodeCompound(packets)
            #expect(try RTCPPacket.parseCompound(encoded) == packets, "\(name)")
        }
    }

    @Test("SDP seeds parse and round-trip")
    func sdpSeeds() throws {
        let seeds = try Self.seeds("sdp")
        #expect(seeds.count >= 5)
        for (name, bytes) in seeds {
            let sdp = try SessionDescription(parsing: String(decoding: bytes, as: UTF8.self))
            #expect(try SessionDescription(parsing: sdp.serialize()) == sdp, "\(name)")
        }
    }
}
