@testable import MeetRTC
import MeetSTUN
import NIOCore

/// Credentials and addresses shared by the ICE tests.
enum ICEFixtures {
    static let server = ICECredentials(ufrag: "srvU", password: "server-password-0123456789")
    static let client = ICECredentials(ufrag: "cliU", password: "client-password-0123456789")
    static let clientA = try! SocketAddress(ipAddress: "192.0.2.10", port: 50_000)
    static let clientB = try! SocketAddress(ipAddress: "198.51.100.7", port: 40_001)
    static let clientV6 = try! SocketAddress(ipAddress: "2001:db8::1", port: 6000)
    static let serverAddress = try! SocketAddress(ipAddress: "203.0.113.5", port: 3478)
}

/// A check as the controlling client would send it, parsed back as received.
func clientCheck(
    useCandidate: Bool = false,
    username: String = "\(ICEFixtures.server.ufrag):\(ICEFixtures.client.ufrag)",
    password: String? = ICEFixtures.server.password,
    role: STUNMessage.ICERole = .controlling(tieBreaker: 0x1122_3344_5566_7788)
) throws -> STUNMessage {
    let request = STUNMessage.bindingRequest(username: username, priority: 1_845_501_695, role: role, useCandidate: useCandidate)
    let bytes = request.encode(integrityKey: password.map { STUNMessage.shortTermKey(password: $0) }, fingerprint: true)
    return try STUNMessage(parsing: bytes)
}

extension Array where Element == ICEAction {
    var sent: [(message: STUNMessage, to: SocketAddress)] {
        compactMap {
            guard case .send(let buffer, let address) = $0 else { return nil }
            return (try! STUNMessage(parsing: buffer), address)
        }
    }
    var states: [ICEConnectionState] {
        compactMap { if case .stateChanged(let s) = $0 { s } else { nil } }
    }
    var selections: [SocketAddress] {
        compactMap { if case .selectedAddressChanged(let a) = $0 { a } else { nil } }
    }
    var drops: [ICEDropReason] {
        compactMap { if case .dropped(let r) = $0 { r } else { nil } }
    }
}
