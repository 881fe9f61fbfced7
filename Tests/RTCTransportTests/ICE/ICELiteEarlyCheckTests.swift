import MeetRTC
import MeetSTUN
import NIOCore
import Testing

/// Checks that arrive before the answer (a server that offered: the node's
/// subscriber transports). RFC 8445 §7.3: only the local half of USERNAME
/// can be compared until the answer names the remote ufrag.
@Suite("ICE-lite responder: early checks before the answer")
struct ICELiteEarlyCheckTests {
    let t0 = ContinuousClock.now
    func earlyAgent() -> ICELiteAgent { ICELiteAgent(local: ICEFixtures.server, remote: nil) }

    @Test("an authenticated check before the answer is answered, validates, selects and nominates")
    func answersEarlyCheck() throws {
        var lite = earlyAgent()
        let actions = lite.receive(try clientCheck(useCandidate: true), from: ICEFixtures.clientA, now: t0)
        let response = try #require(actions.sent.first)
        #expect(response.message.type == .bindingSuccess)
        #expect(response.message.xorMappedAddress == STUNTransportAddress(ICEFixtures.clientA))
        #expect(response.message.isIntegrityValid(key: STUNMessage.shortTermKey(password: ICEFixtures.server.password)))
        #expect(actions.states == [.connected])
        #expect(lite.isValidated(ICEFixtures.clientA) && lite.isNominated)
        #expect(lite.selectedAddress == ICEFixtures.clientA)
    }

    @Test("before the answer: another local ufrag, an empty remote half or a wrong password is refused")
    func refusesUnauthenticatedEarlyChecks() throws {
        let cases: [(STUNMessage, ICEDropReason)] = [
            (try clientCheck(username: "other:cliU"), .badUsername),
            (try clientCheck(username: "srvU:"), .badUsername),
            (try clientCheck(username: "srvU"), .badUsername),
            (try clientCheck(password: "not-the-server-password"), .badIntegrity),
        ]
        for (message, reason) in cases {
            var lite = earlyAgent()
            let actions = lite.receive(message, from: ICEFixtures.clientA, now: t0)
            #expect(actions.drops == [reason])
            #expect(actions.sent.first?.message.type == .bindingError)
            #expect(!lite.isValidated(ICEFixtures.clientA) && lite.state == .new)
        }
    }

    @Test("the answer with the ufrag the early checks used keeps the connection; afterwards only that ufrag passes")
    func answerMatches() throws {
        var lite = earlyAgent()
        _ = lite.receive(try clientCheck(useCandidate: true), from: ICEFixtures.clientA, now: t0)
        #expect(lite.learnRemote(ICEFixtures.client).isEmpty)
        #expect(lite.state == .connected && lite.selectedAddress == ICEFixtures.clientA)
        let other = lite.receive(try clientCheck(username: "srvU:someoneElse"), from: ICEFixtures.clientA, now: t0)
        #expect(other.drops == [.badUsername])
        let same = lite.receive(try clientCheck(), from: ICEFixtures.clientA, now: t0)
        #expect(same.sent.first?.message.type == .bindingSuccess)
    }

    @Test("an answer whose ufrag the early checks did not use fails the agent")
    func answerMismatches() throws {
        var lite = earlyAgent()
        _ = lite.receive(try clientCheck(username: "srvU:impostor"), from: ICEFixtures.clientA, now: t0)
        let actions = lite.learnRemote(ICEFixtures.client)
        #expect(actions.states == [.failed])
        #expect(!lite.isValidated(ICEFixtures.clientA))
    }

    @Test("an answer before any check is just the normal start")
    func answerFirst() throws {
        var lite = earlyAgent()
        #expect(lite.learnRemote(ICEFixtures.client).isEmpty)
        #expect(lite.state == .new)
        let actions = lite.receive(try clientCheck(), from: ICEFixtures.clientA, now: t0)
        #expect(actions.states == [.connected])
    }
}
