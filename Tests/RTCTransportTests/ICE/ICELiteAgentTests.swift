import MeetRTC
import MeetSTUN
import NIOCore
import Testing

@Suite("ICE-lite responder (RFC 8445 §2.5, §7.3; RFC 7675)")
struct ICELiteAgentTests {
    let t0 = ContinuousClock.now
    func agent() -> ICELiteAgent { ICELiteAgent(local: ICEFixtures.server, remote: ICEFixtures.client) }

    @Test("a valid check is answered with XOR-MAPPED-ADDRESS of the source, signed with the local password")
    func answersValidCheck() throws {
        var lite = agent()
        for source in [ICEFixtures.clientA, ICEFixtures.clientV6] {
            let actions = lite.receive(try clientCheck(), from: source, now: t0)
            let response = try #require(actions.sent.first)
            #expect(response.to == source)
            #expect(response.message.type == .bindingSuccess)
            #expect(response.message.xorMappedAddress == STUNTransportAddress(source))
            #expect(response.message.isIntegrityValid(key: STUNMessage.shortTermKey(password: ICEFixtures.server.password)))
            #expect(response.message.receivedFingerprint != nil)
            #expect(lite.isValidated(source))
        }
        #expect(lite.state == .connected)
        #expect(lite.selectedAddress == ICEFixtures.clientA)
        #expect(!lite.isValidated(ICEFixtures.clientB))
    }

    @Test("the first valid check connects and selects provisionally; USE-CANDIDATE nominates")
    func regularNomination() throws {
        var lite = agent()
        let first = lite.receive(try clientCheck(), from: ICEFixtures.clientA, now: t0)
        #expect(first.states == [.connected])
        #expect(first.selections == [ICEFixtures.clientA])
        #expect(!lite.isNominated)
        let nominate = lite.receive(try clientCheck(useCandidate: true), from: ICEFixtures.clientB, now: t0)
        #expect(nominate.selections == [ICEFixtures.clientB])
        #expect(nominate.states.isEmpty)
        #expect(lite.isNominated)
        #expect(lite.selectedAddress == ICEFixtures.clientB)
    }

    @Test("wrong credentials are answered with an error, dropped and never validate the address")
    func rejectsBadCredentials() throws {
        var lite = agent()
        let cases: [(STUNMessage, ICEDropReason, Int)] = [
            (try clientCheck(username: "srvU:someoneElse"), .badUsername, 401),
            (try clientCheck(username: "nope:cliU"), .badUsername, 401),
            (try clientCheck(password: "wrong-password"), .badIntegrity, 401),
            (try clientCheck(password: nil), .badIntegrity, 400),
        ]
        for (message, reason, code) in cases {
            let actions = lite.receive(message, from: ICEFixtures.clientA, now: t0)
            #expect(actions.drops == [reason])
            #expect(actions.sent.first?.message.type == .bindingError)
            #expect(actions.sent.first?.message.errorCode?.code == code)
            #expect(actions.selections.isEmpty)
        }
        #expect(lite.state == .new)
        #expect(!lite.isValidated(ICEFixtures.clientA))
        #expect(lite.selectedAddress == nil)
        #expect(lite.nextTimeout == nil)
    }

    @Test("a peer that also claims the controlled role gets 487")
    func roleConflict() throws {
        var lite = agent()
        let actions = lite.receive(try clientCheck(role: .controlled(tieBreaker: 1)), from: ICEFixtures.clientA, now: t0)
        #expect(actions.drops == [.roleConflict])
        #expect(actions.sent.first?.message.errorCode?.code == 487)
        #expect(!lite.isValidated(ICEFixtures.clientA))
    }

    @Test("responses and indications are not answered")
    func ignoresNonRequests() throws {
        var lite = agent()
        let response = STUNMessage.bindingSuccess(transactionID: .random(), mappedAddress: STUNTransportAddress(ICEFixtures.clientA)!)
        let actions = lite.receive(try STUNMessage(parsing: response.encode()), from: ICEFixtures.clientA, now: t0)
        #expect(actions.drops == [.unexpectedMessage])
        #expect(actions.sent.isEmpty)
    }

    @Test("a validated check from a new address does not steal a fresh nominated selection")
    func keepsFreshSelection() throws {
        var lite = agent()
        _ = lite.receive(try clientCheck(useCandidate: true), from: ICEFixtures.clientA, now: t0)
        let other = lite.receive(try clientCheck(), from: ICEFixtures.clientB, now: t0.advanced(by: .seconds(1)))
        #expect(other.selections.isEmpty)
        #expect(lite.selectedAddress == ICEFixtures.clientA)
        #expect(lite.isValidated(ICEFixtures.clientB))
    }

    @Test("the client's address change is followed once the old address went quiet")
    func followsAddressChange() throws {
        var lite = agent()
        _ = lite.receive(try clientCheck(useCandidate: true), from: ICEFixtures.clientA, now: t0)
        // The client's NAT rebinds: checks now arrive from B only.
        let moved = lite.receive(try clientCheck(), from: ICEFixtures.clientB, now: t0.advanced(by: .seconds(10)))
        #expect(moved.selections == [ICEFixtures.clientB])
        #expect(lite.selectedAddress == ICEFixtures.clientB)
        #expect(lite.state == .connected)
    }

    @Test("consent: disconnected after 10 s of silence, recovered by a check, failed after 30 s")
    func consentFreshness() throws {
        var lite = agent()
        _ = lite.receive(try clientCheck(useCandidate: true), from: ICEFixtures.clientA, now: t0)
        #expect(lite.nextTimeout == t0.advanced(by: .seconds(10)))
        #expect(lite.handleTimeout(now: t0.advanced(by: .seconds(9))).isEmpty)
        #expect(lite.handleTimeout(now: t0.advanced(by: .seconds(10))).states == [.disconnected])
        #expect(lite.nextTimeout == t0.advanced(by: .seconds(30)))

        let t1 = t0.advanced(by: .seconds(12))
        #expect(lite.receive(try clientCheck(), from: ICEFixtures.clientA, now: t1).states == [.connected])
        #expect(lite.handleTimeout(now: t1.advanced(by: .seconds(10))).states == [.disconnected])
        #expect(lite.handleTimeout(now: t1.advanced(by: .seconds(29))).isEmpty)
        #expect(lite.handleTimeout(now: t1.advanced(by: .seconds(30))).states == [.failed])
        #expect(lite.nextTimeout == nil)
        #expect(!lite.isValidated(ICEFixtures.clientA))
        let late = lite.receive(try clientCheck(), from: ICEFixtures.clientA, now: t1.advanced(by: .seconds(31)))
        #expect(late.drops == [.terminal])
        #expect(late.sent.isEmpty)
    }

    @Test("the consent timeout is configurable")
    func configurableConsent() throws {
        var lite = ICELiteAgent(
            local: ICEFixtures.server, remote: ICEFixtures.client,
            configuration: .init(disconnectedTimeout: .seconds(2), failedTimeout: .seconds(5)))
        _ = lite.receive(try clientCheck(), from: ICEFixtures.clientA, now: t0)
        #expect(lite.handleTimeout(now: t0.advanced(by: .seconds(5))).states == [.failed])
    }

    @Test("the set of validated addresses is bounded but keeps the selection")
    func boundedAddresses() throws {
        var lite = ICELiteAgent(
            local: ICEFixtures.server, remote: ICEFixtures.client, configuration: .init(maxValidatedAddresses: 3))
        _ = lite.receive(try clientCheck(useCandidate: true), from: ICEFixtures.clientA, now: t0)
        var addresses: [SocketAddress] = []
        for port in 1...10 {
            let address = try SocketAddress(ipAddress: "10.0.0.1", port: port)
            addresses.append(address)
            _ = lite.receive(try clientCheck(), from: address, now: t0.advanced(by: .milliseconds(port)))
        }
        #expect(lite.isValidated(ICEFixtures.clientA))
        #expect(lite.isValidated(addresses.last!))
        #expect(addresses.filter { lite.isValidated($0) }.count == 2)
    }

    @Test("close stops the agent")
    func close() throws {
        var lite = agent()
        _ = lite.receive(try clientCheck(), from: ICEFixtures.clientA, now: t0)
        #expect(lite.close().states == [.closed])
        #expect(!lite.isValidated(ICEFixtures.clientA))
        #expect(lite.nextTimeout == nil)
    }
}
