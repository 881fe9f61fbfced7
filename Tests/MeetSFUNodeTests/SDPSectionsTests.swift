import Testing

@testable import MeetSFUNode

@Suite("SDPSections: extmap ids and mids read from negotiated SDP")
struct SDPSectionsTests {
    static let mid = "urn:ietf:params:rtp-hdrext:sdes:mid"
    static let abs = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
    static let level = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

    static let sdp = """
        v=0\r
        m=audio 9 UDP/TLS/RTP/SAVPF 111\r
        a=mid:0\r
        a=extmap:1 \(level)\r
        a=extmap:4 \(mid)\r
        m=video 9 UDP/TLS/RTP/SAVPF 96\r
        a=mid:1\r
        a=extmap:2/sendonly \(abs)\r
        a=extmap:bad\r
        m=video 0 UDP/TLS/RTP/SAVPF 96\r
        a=mid:5\r
        """

    @Test("extmap ids per mid are read from SDP text; malformed lines are skipped")
    func readsExtensions() {
        let extensions = SDPSections.extensions(inSDP: Self.sdp)
        #expect(extensions["0"] == [Self.level: 1, Self.mid: 4])
        #expect(extensions["1"] == [Self.abs: 2])
        #expect(extensions["5"] == [:])
    }

    @Test("mids in m-line order")
    func readsMids() {
        #expect(SDPSections.mids(inSDP: Self.sdp) == ["0", "1", "5"])
        #expect(SDPSections.mids(inSDP: "garbage").isEmpty)
    }
}
