import MeetCore
import MeetSTUN
import Testing

@testable import MeetSFUNode

/// The pure parts of the public-address discovery; the Binding exchange
/// with a real STUN server (coturn) is in Tests/e2e/test_sfu_public_address.py.
@Suite("PublicAddressDiscovery: MEET_SFU_PUBLIC_IP_STUN")
struct PublicAddressDiscoveryTests {
    @Test(
        "server addresses: host, host:port, stun: prefix, [v6]:port",
        arguments: [
            ("stun.l.google.com:19302", STUNServer(host: "stun.l.google.com", port: 19302)),
            ("stun:stun.example.com", STUNServer(host: "stun.example.com", port: 3478)),
            ("203.0.113.9:3479", STUNServer(host: "203.0.113.9", port: 3479)),
            ("[2001:db8::1]:3478", STUNServer(host: "2001:db8::1", port: 3478)),
            ("[2001:db8::1]", STUNServer(host: "2001:db8::1", port: 3478)),
        ])
    func parsesServers(text: String, expected: STUNServer) {
        #expect(STUNServer(parsing: text) == expected)
    }

    @Test("malformed server addresses are refused", arguments: ["", ":3478", "host:0", "host:99999", "host:x", "2001:db8::1", "[::1", "a b:1"])
    func refusesServers(text: String) {
        #expect(STUNServer(parsing: text) == nil)
    }

    @Test("the variable is read, and naming both it and MEET_SFU_PUBLIC_IP is an error")
    func configuration() throws {
        let configuration = try SFUNodeConfiguration(
            environment: EnvironmentReader(["MEET_NODE_ID": "n", "MEET_SFU_PUBLIC_IP_STUN": "stun.example.com:3478"]))
        #expect(configuration.publicIPDiscovery == STUNServer(host: "stun.example.com"))
        for environment in [
            ["MEET_SFU_PUBLIC_IP_STUN": "stun.example.com", "MEET_SFU_PUBLIC_IP": "198.51.100.4"],
            ["MEET_SFU_PUBLIC_IP_STUN": "not a server"],
        ] {
            do {
                _ = try SFUNodeConfiguration(environment: EnvironmentReader(environment))
                Issue.record("accepted \(environment)")
            } catch {
                #expect(error.variable == "MEET_SFU_PUBLIC_IP_STUN")
            }
        }
    }

    @Test("the answer's XOR-MAPPED-ADDRESS is the public IP; other transactions and non-STUN are ignored")
    func readsTheAnswer() throws {
        let transaction = STUNTransactionID.random()
        let mapped = STUNTransportAddress(address: try #require(STUNIPAddress(octets: [203, 0, 113, 7])), port: 40000)
        let answer = STUNMessage.bindingSuccess(transactionID: transaction, mappedAddress: mapped).encode(fingerprint: true)
        #expect(try PublicAddressDiscovery.mappedIP(in: answer, transactionID: transaction) == "203.0.113.7")
        #expect(try PublicAddressDiscovery.mappedIP(in: answer, transactionID: .random()) == nil)
        #expect(try PublicAddressDiscovery.mappedIP(in: [0x80, 1, 2, 3], transactionID: transaction) == nil)

        let refused = STUNMessage(type: .bindingError, transactionID: transaction, attributes: []).encode()
        #expect(throws: PublicAddressDiscovery.Failure.self) {
            try PublicAddressDiscovery.mappedIP(in: refused, transactionID: transaction)
        }
        let empty = STUNMessage(type: .bindingSuccess, transactionID: transaction, attributes: []).encode()
        #expect(throws: PublicAddressDiscovery.Failure.badAnswer("no (XOR-)MAPPED-ADDRESS")) {
            try PublicAddressDiscovery.mappedIP(in: empty, transactionID: transaction)
        }
    }
}
