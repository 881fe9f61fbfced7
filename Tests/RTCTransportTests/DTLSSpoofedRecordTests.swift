import Foundation
@testable import MeetDTLS
import NIOCore
import Testing

/// RFC 6347 §4.1.2.7 after the handshake: a record that does not parse, is of
/// another epoch, is too short for the cipher, or does not authenticate is
/// discarded and reported (`.discarded`), and the association carries on. Only
/// an authenticated alert closes it. Issue 13: one spoofed 22-byte datagram (a
/// current-epoch record too short for the AES-GCM nonce and tag) failed it.
@Suite("DTLS: spoofed records after the handshake")
struct DTLSSpoofedRecordTests {
    /// The 22-byte datagram of issue 13: an application_data header (epoch 1,
    /// sequence 9, length 9) and nine bytes of garbage.
    static let issue13: [UInt8] = [23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 9] + Array(0x41...0x49)

    static func record(
        _ type: UInt8, epoch: UInt16 = 1, version: [UInt8] = [0xFE, 0xFD], length: Int? = nil, _ body: [UInt8]
    ) -> [UInt8] {
        let length = length ?? body.count
        return [type] + version + [UInt8(epoch >> 8), UInt8(epoch & 0xFF), 0, 0, 0, 0, 0, 9]
            + [UInt8(length >> 8), UInt8(length & 0xFF)] + body
    }

    static let garbage = Array(UInt8(0x41)...0x49)

    /// Every content type × epoch 0/1/2 × version × length, truncated headers, plaintext alerts.
    static let variants: [(String, [UInt8])] = {
        var variants: [(String, [UInt8])] = [("issue 13", issue13)]
        for type: UInt8 in [20, 21, 22, 23] {
            for epoch: UInt16 in [0, 1, 2] {
                for length in [0, 1, 2, 9, 15, 16, 17, 23, 24, 25, 47, 48, 100] {
                    let body = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37) }
                    variants.append(("type \(type) epoch \(epoch) length \(length)", record(type, epoch: epoch, body)))
                }
            }
            variants.append(("type \(type) DTLS 1.0 version", record(type, version: [0xFE, 0xFF], garbage)))
            variants.append(("type \(type) TLS version", record(type, version: [3, 3], garbage)))
            variants.append(("type \(type) length beyond the datagram", record(type, length: 0xFFFF, garbage)))
            variants.append(("type \(type) truncated header", Array(record(type, garbage).prefix(7))))
        }
        variants.append(("plaintext close_notify", record(21, epoch: 0, [1, 0])))
        variants.append(("plaintext fatal alert", record(21, epoch: 0, [2, 40])))
        variants.append(("unencrypted fatal alert in epoch 1", record(21, [2, 40])))
        variants.append(("good-looking record then a short one", record(23, [UInt8](repeating: 0, count: 40)) + record(23, garbage)))
        return variants
    }()

    /// The committed seeds of the dtls fuzz target (Tools/Fuzz/Corpus/dtls).
    static func corpus() throws -> [(String, [UInt8])] {
        let dir = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tools/Fuzz/Corpus/dtls")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        return try names.map { ($0, Array(try Data(contentsOf: dir.appendingPathComponent($0)))) }
    }

    /// Feeds `datagram` to one side of a fresh connected pair and checks it is
    /// discarded, counted, and that the session still carries data both ways.
    func expectDiscarded(_ name: String, _ datagram: [UInt8], toServer: Bool) throws {
        var wire = try DTLSWire()
        try wire.handshake()
        let target = toServer ? wire.server : wire.client
        #expect(target.state == .connected)
        let actions = try target.receive(ByteBuffer(bytes: datagram), now: wire.now)
        let discarded = actions.contains { if case .discarded = $0 { true } else { false } }
        #expect(discarded && actions.count == 1, "\(name): \(actions)")
        #expect(target.state == .connected, "\(name)")

        let fromClient = try wire.client.send(applicationData: ByteBuffer(bytes: [1, 2]), now: wire.now)
        try wire.pump(fromClient: fromClient)
        #expect(wire.serverEvents.compactMap(\.data) == [ByteBuffer(bytes: [1, 2])], "\(name)")
        let fromServer = try wire.server.send(applicationData: ByteBuffer(bytes: [3]), now: wire.now)
        try wire.pump(fromServer: fromServer)
        #expect(wire.clientEvents.compactMap(\.data) == [ByteBuffer(bytes: [3])], "\(name)")
        #expect(wire.serverEvents.compactMap(\.failure).isEmpty && wire.clientEvents.compactMap(\.failure).isEmpty, "\(name)")
    }

    @Test("issue 13: the spoofed 22-byte datagram is discarded, not fatal")
    func issue13Datagram() throws {
        #expect(Self.issue13.count == 22)
        try expectDiscarded("issue 13", Self.issue13, toServer: true)
    }

    @Test("garbage of every content type, epoch, version and length is discarded by a server and a client")
    func variantsAreDiscarded() throws {
        for (name, datagram) in Self.variants {
            try expectDiscarded(name, datagram, toServer: true)
            try expectDiscarded(name, datagram, toServer: false)
        }
    }

    @Test("every seed of the dtls fuzz corpus is discarded")
    func corpusSeedsAreDiscarded() throws {
        let seeds = try Self.corpus()
        #expect(seeds.count >= 40)
        #expect(seeds.contains { $0.1 == Self.issue13 })
        for (name, datagram) in seeds {
            try expectDiscarded(name, datagram, toServer: true)
        }
    }

    @Test("a replayed authentic record is discarded (RFC 6347 §4.1.2.6)")
    func replayDiscarded() throws {
        var wire = try DTLSWire()
        try wire.handshake()
        let sent = DTLSWire.split(try wire.client.send(applicationData: ByteBuffer(bytes: [5]), now: wire.now), events: &wire.clientEvents)
        let record = try #require(sent.first)
        #expect(try wire.server.receive(record, now: wire.now).compactMap(\.data) == [ByteBuffer(bytes: [5])])
        let again = try wire.server.receive(record, now: wire.now)
        #expect(again.count == 1 && { if case .discarded(.rejected) = again[0] { true } else { false } }())
        #expect(wire.server.state == .connected)
    }

    @Test("an authenticated close_notify still closes")
    func authenticatedAlertCloses() throws {
        var wire = try DTLSWire()
        try wire.handshake()
        let bye = DTLSWire.split(wire.client.close(now: wire.now), events: &wire.clientEvents)
        #expect(!bye.isEmpty)
        var events: [DTLSAction] = []
        for datagram in bye { events += try wire.server.receive(datagram, now: wire.now) }
        #expect(events.contains { $0.isClosed })
        #expect(wire.server.state == .closed)
    }

    @Test("the record filter keeps whole current-epoch records and names the first problem")
    func filterUnit() {
        let filter = DTLSRecordFilter(minimumFragmentLength: 24)
        let good = Self.record(23, [UInt8](repeating: 7, count: 30))
        func run(_ bytes: [UInt8]) -> ([Range<Int>], DTLSDiscardReason?) {
            var kept: [Range<Int>] = []
            let reason = bytes.withUnsafeBytes { filter.forEachKeptRecord(in: $0) { kept.append($0) } }
            return (kept, reason)
        }
        #expect(run(good) == ([0..<43], nil))
        #expect(run(Self.issue13) == ([], .badLength))
        #expect(run(good + Self.issue13) == ([0..<43], .badLength))
        #expect(run(Self.record(23, epoch: 0, [1, 2])) == ([], .otherEpoch))
        #expect(run(Self.record(23, version: [0xFE, 0xFF], Self.garbage)) == ([], .malformed))
        #expect(run(Array(good.prefix(12))) == ([], .malformed))
        #expect(run(Self.record(23, length: 100, Self.garbage)) == ([], .malformed))
        #expect(run(good + [23, 0xFE]) == ([0..<43], .malformed))
    }
}
