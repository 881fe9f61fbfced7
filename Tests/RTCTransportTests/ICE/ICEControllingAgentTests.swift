import MeetRTC
import MeetSTUN
import NIOCore
import Testing

@Suite("ICE controlling client against the lite responder (RFC 8445, RFC 7675)")
struct ICEControllingAgentTests {
    let t0 = ContinuousClock.now

    func pair(candidates: [SocketAddress] = [ICEFixtures.serverAddress]) -> (ICEControllingAgent, ICELiteAgent) {
        (ICEControllingAgent(local: ICEFixtures.client, remote: ICEFixtures.server, remoteCandidates: candidates, tieBreaker: 7),
         ICELiteAgent(local: ICEFixtures.server, remote: ICEFixtures.client))
    }

    /// Delivers the client's checks to the lite agent (as if from clientA)
    /// and the lite agent's answers back; returns the client's actions.
    func exchange(_ actions: [ICEAction], client: inout ICEControllingAgent, lite: inout ICELiteAgent, now: ContinuousClock.Instant) -> [ICEAction] {
        var result: [ICEAction] = []
        for (message, to) in actions.sent where to == ICEFixtures.serverAddress {
            for (answer, back) in lite.receive(message, from: ICEFixtures.clientA, now: now).sent {
                #expect(back == ICEFixtures.clientA)
                result += client.receive(answer, from: to, now: now)
            }
        }
        return result
    }

    @Test("checks carry USE-CANDIDATE, ICE-CONTROLLING and PRIORITY; the first success connects both")
    func connects() throws {
        var (client, lite) = pair()
        let start = client.start(now: t0)
        #expect(start.states == [.checking])
        let check = try #require(start.sent.first?.message)
        #expect(check.useCandidate)
        #expect(check.iceControlling == 7)
        #expect(check.priority != nil)
        #expect(check.username == "srvU:cliU")
        let result = exchange(start, client: &client, lite: &lite, now: t0)
        #expect(result.states == [.connected])
        #expect(client.selectedAddress == ICEFixtures.serverAddress)
        #expect(lite.selectedAddress == ICEFixtures.clientA)
        #expect(lite.isNominated)
        #expect(lite.state == .connected)
    }

    @Test("a lost check is retransmitted with the same transaction; unanswered checks fail")
    func retransmitsThenFails() throws {
        var (client, lite) = pair()
        let first = client.start(now: t0)
        let id = try #require(first.sent.first?.message.transactionID)
        var deadline = try #require(client.nextTimeout)
        #expect(deadline == t0.advanced(by: .milliseconds(100)))
        #expect(client.handleTimeout(now: t0.advanced(by: .milliseconds(99))).sent.isEmpty)
        let again = client.handleTimeout(now: deadline)
        #expect(again.sent.map(\.message.transactionID) == [id])
        #expect(client.nextTimeout == deadline.advanced(by: .milliseconds(200)))
        // The retransmission gets through.
        #expect(exchange(again, client: &client, lite: &lite, now: deadline).states == [.connected])

        var (lonely, _) = pair()
        _ = lonely.start(now: t0)
        var transmissions = 1
        var states: [ICEConnectionState] = []
        while let next = lonely.nextTimeout, transmissions < 20 {
            deadline = next
            let actions = lonely.handleTimeout(now: next)
            transmissions += actions.sent.count
            states += actions.states
        }
        #expect(transmissions == 7)
        #expect(states == [.failed])
        #expect(lonely.state == .failed)
    }

    @Test("consent checks keep the pair alive; a silent server means disconnected, then failed")
    func consent() throws {
        var (client, lite) = pair()
        _ = exchange(client.start(now: t0), client: &client, lite: &lite, now: t0)
        #expect(client.nextTimeout == t0.advanced(by: .seconds(5)))
        // At 5 s a consent check goes out and is answered.
        let t5 = t0.advanced(by: .seconds(5))
        let consentCheck = client.handleTimeout(now: t5)
        #expect(consentCheck.sent.count == 1)
        #expect(exchange(consentCheck, client: &client, lite: &lite, now: t5).drops.isEmpty)
        #expect(client.state == .connected)
        // The server goes away: nothing is answered from now on.
        var now = t5
        var states: [ICEConnectionState] = []
        while let next = client.nextTimeout, next <= t5.advanced(by: .seconds(60)) {
            now = next
            states += client.handleTimeout(now: now).states
        }
        #expect(states == [.disconnected, .failed])
        #expect(now == t5.advanced(by: .seconds(30)))
        #expect(lite.handleTimeout(now: now).states == [.failed])
    }

    @Test("forged, misdirected and unknown responses are dropped")
    func dropsBadResponses() throws {
        var (client, _) = pair()
        let check = try #require(client.start(now: t0).sent.first?.message)
        let mapped = STUNTransportAddress(ICEFixtures.clientA)!
        func response(_ id: STUNTransactionID, password: String) throws -> STUNMessage {
            let bytes = STUNMessage.bindingSuccess(transactionID: id, mappedAddress: mapped)
                .encode(integrityKey: STUNMessage.shortTermKey(password: password), fingerprint: true)
            return try STUNMessage(parsing: bytes)
        }
        let forged = try response(check.transactionID, password: "not-the-server-password")
        #expect(client.receive(forged, from: ICEFixtures.serverAddress, now: t0).drops == [.badIntegrity])
        let genuine = try response(check.transactionID, password: ICEFixtures.server.password)
        #expect(client.receive(genuine, from: ICEFixtures.clientB, now: t0).drops == [.unexpectedMessage])
        #expect(client.receive(try response(.random(), password: ICEFixtures.server.password), from: ICEFixtures.serverAddress, now: t0).drops == [.unknownTransaction])
        #expect(client.state == .checking)
        #expect(client.receive(genuine, from: ICEFixtures.serverAddress, now: t0).states == [.connected])
    }

    @Test("with several candidates the first to answer is selected and the rest stop")
    func severalCandidates() throws {
        let other = try SocketAddress(ipAddress: "203.0.113.6", port: 3478)
        var (client, lite) = pair(candidates: [other, ICEFixtures.serverAddress])
        let start = client.start(now: t0)
        #expect(start.sent.map(\.to) == [other, ICEFixtures.serverAddress])
        _ = exchange(start, client: &client, lite: &lite, now: t0)
        #expect(client.selectedAddress == ICEFixtures.serverAddress)
        #expect(client.nextTimeout == t0.advanced(by: .seconds(5)))  // no retransmission to `other`
    }

    @Test("the client answers a full peer's authenticated checks")
    func answersPeerChecks() throws {
        var (client, _) = pair()
        _ = client.start(now: t0)
        let request = STUNMessage.bindingRequest(username: "cliU:srvU", priority: 1, role: .controlled(tieBreaker: 1))
        let parsed = try STUNMessage(parsing: request.encode(integrityKey: STUNMessage.shortTermKey(password: ICEFixtures.client.password), fingerprint: true))
        let answer = try #require(client.receive(parsed, from: ICEFixtures.serverAddress, now: t0).sent.first)
        #expect(answer.message.type == .bindingSuccess)
        #expect(answer.message.isIntegrityValid(key: STUNMessage.shortTermKey(password: ICEFixtures.client.password)))
    }

    @Test("random credentials use ice-chars and RFC 8445 lengths")
    func randomCredentials() {
        var generator = SeededRandom(seed: 1)
        let credentials = ICECredentials.random(using: &generator)
        #expect(credentials.ufrag.count == 8)
        #expect(credentials.password.count == 24)
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        #expect((credentials.ufrag + credentials.password).allSatisfy { allowed.contains($0) })
        #expect(ICECredentials.random() != ICECredentials.random())
    }
}
