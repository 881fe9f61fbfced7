import MeetProtocol
import NIOCore
import Testing
@testable import MeetRTC

import NIOConcurrencyHelpers
@testable import MeetSFUNode

/// Issue 13, "the worst one": a spoofed DTLS datagram from the publisher's
/// own address after the handshake must not end the publication. Here it is
/// sent from the publisher client's own socket (so the node sees the
/// validated address), to a live node whose media is flowing.
@Suite("TransportManager: spoofed DTLS on a live transport", .serialized)
struct SpoofedDTLSLoopbackTests {
    /// The 22-byte datagram of issue 13 (an application_data record header,
    /// epoch 1, length 9, then garbage), and an unauthenticated plaintext
    /// fatal alert.
    static let spoofed: [[UInt8]] = [
        [23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 9] + Array(0x41...0x49),
        [21, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 9, 0, 2, 2, 40],
    ]

    @Test("the 22-byte datagram and a plaintext alert are dropped and counted; media keeps flowing; no transport closes")
    func spoofedDatagramDropped() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.video])
        var sequence: UInt16 = 0
        func flowsTo(_ count: Int) async throws {
            try await waitUntil("the subscriber received \(count) video packets") {
                sequence &+= 1
                try await harness.publish(.video, sequence: sequence, payloadType: 96, payload: ForwardingLoopbackTests.vp8Keyframe)
                return try await harness.received(.video).count >= count
            }
        }
        try await flowsTo(3)
        let before = try await harness.onNode { harness.serverSocket.drops[.dtlsDiscarded, default: 0] }

        let node = harness.serverSocket.localAddress
        for datagram in Self.spoofed {
            try await harness.publisherSocket.eventLoop.submit {
                harness.publisherSocket.send(ByteBuffer(bytes: datagram), to: node)
            }.get()
        }
        try await waitUntil("the node counted both datagrams as discarded DTLS") {
            try await harness.onNode { harness.serverSocket.drops[.dtlsDiscarded, default: 0] } >= before + 2
        }
        let received = try await harness.received(.video).count
        try await flowsTo(received + 5)

        let publisher = try await harness.nodePublisher()
        let state = try await harness.onNode { publisher.connection?.state }
        #expect(state == .connected)
        #expect(harness.events.withLockedValue { $0 }.isEmpty)
        #expect(try await harness.manager.snapshot().publishers == 1)
        try await harness.shutdown()
    }
}
