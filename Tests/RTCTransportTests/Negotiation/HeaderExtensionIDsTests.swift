@testable import MeetRTC
import Testing

/// The header extension ids a connection exposes (`headerExtensionIDs`):
/// what the SFU node used to read back out of the SDP text it had just
/// negotiated through MeetRTC (the node's `SDPSections` parser, now gone;
/// a small text reader here is the independent oracle the ids are checked against).
@Suite("Header extension ids from the negotiator")
struct HeaderExtensionIDsTests {
    /// `a=extmap` ids per `a=mid` read from SDP text, as the node's parser did.
    static func extmaps(inSDP sdp: String) -> (mids: [String], ids: [String: [String: UInt8]]) {
        var mids: [String] = []
        var ids: [String: [String: UInt8]] = [:]
        for line in sdp.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("a=mid:") {
                mids.append(String(line.dropFirst(6)))
                ids[mids.last!] = [:]
            } else if line.hasPrefix("a=extmap:"), let mid = mids.last {
                let parts = line.dropFirst(9).split(separator: " ")
                ids[mid]?[String(parts[1])] = UInt8(parts[0].split(separator: "/")[0])
            }
        }
        return (mids, ids)
    }

    @Test("ids per section in m-line order, rejected sections included, the first section's id per URI")
    func fromDescription() {
        let mid = MediaPolicy.midURI, level = MediaPolicy.audioLevelURI, abs = MediaPolicy.absSendTimeURI
        let description = SessionModel(
            transport: TransportModel(
                iceUfrag: "ufrag", icePassword: "password", iceLite: true, fingerprints: [], setup: .passive, candidates: []),
            bundle: ["0", "1"],
            sections: [
                MediaSectionModel(kind: "audio", mid: "0", direction: .recvonly, extensions: [.init(id: 1, uri: level), .init(id: 4, uri: mid)]),
                MediaSectionModel(kind: "video", mid: "1", direction: .recvonly, extensions: [.init(id: 2, uri: abs), .init(id: 5, uri: mid)]),
                MediaSectionModel(kind: "video", port: 0, mid: "5", direction: .inactive),
            ])
        let ids = HeaderExtensionIDs(description)
        #expect(ids.mids == ["0", "1", "5"])
        #expect(ids.byMid == ["0": [level: 1, mid: 4], "1": [abs: 2, mid: 5], "5": [:]])
        #expect(ids.id(of: mid) == 4)
        #expect(ids.id(of: MediaPolicy.transportCCURI) == nil)
        #expect(HeaderExtensionIDs(nil).sections.isEmpty)
    }

    @Test("an answering server exposes its answer's extmaps; an offering client its pending offer's")
    func matchesTheSDPText() async throws {
        let pair = try await LoopbackPair()
        #expect(try await onLoop(pair.client) { pair.client.headerExtensionIDs }.sections.isEmpty)
        let offer = try await pair.client.createOffer(kinds: [.audio, .video])
        let offered = try await onLoop(pair.client) { pair.client.headerExtensionIDs }
        #expect(offered.mids == Self.extmaps(inSDP: offer).mids)
        #expect(offered.byMid == Self.extmaps(inSDP: offer).ids)
        #expect(offered.id(of: MediaPolicy.transportCCURI) != nil)

        let answer = try await pair.server.acceptOffer(offer, sendBack: true, policy: .withoutTransportCC)
        let answered = try await onLoop(pair.server) { pair.server.headerExtensionIDs }
        #expect(answered.mids == Self.extmaps(inSDP: answer).mids)
        #expect(answered.byMid == Self.extmaps(inSDP: answer).ids)
        #expect(answered.id(of: MediaPolicy.midURI) != nil)
        #expect(answered.id(of: MediaPolicy.transportCCURI) == nil)
        try await pair.close()
    }
}
