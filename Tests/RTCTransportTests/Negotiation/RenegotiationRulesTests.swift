import MeetDTLS
@testable import MeetRTC
import MeetSTUN
import NIOCore
import Testing

/// The sans-I/O side of renegotiation: JSEP subsequent offers and answers
/// (RFC 8829 §5.2.2, §5.3.2), ICE restarts in both agents (RFC 8445 §9) and
/// in the routing table.
@Suite("Renegotiation rules")
struct RenegotiationRulesTests {
    static let serverPrint = DTLSFingerprint(algorithm: .sha256, digest: Array(repeating: 0x01, count: 32))
    static let clientPrint = DTLSFingerprint(algorithm: .sha256, digest: Array(repeating: 0x02, count: 32))
    let server = LocalTransport(
        iceUfrag: "srv1", icePassword: "server-password-0123456", fingerprint: Self.serverPrint,
        candidateIP: "127.0.0.1", candidatePort: 40000, iceLite: true)
    let client = LocalTransport(
        iceUfrag: "cli1", icePassword: "client-password-0123456", fingerprint: Self.clientPrint,
        candidateIP: "127.0.0.1", candidatePort: 50000, iceLite: false)
    let fresh = ICECredentials(ufrag: "new1", password: "fresh-password-012345678")

    /// The client offered audio+video, the server answered with sendBack:
    /// what each side keeps afterwards.
    func established() throws -> (server: Negotiation, serverTracks: [LocalTrack], client: Negotiation, clientTracks: [LocalTrack]) {
        let (offer, clientTracks) = OfferRules.offer(kinds: [.audio, .video], local: client, policy: MediaPolicy(), cname: "c")
        let answered = try AnswerRules.answer(to: offer, local: server, policy: MediaPolicy(), sendBack: true, cname: "s")
        let serverSide = Negotiation(local: answered.local, remote: offer, dtlsRole: .server, sendBack: true, offerDirection: .sendrecv)
        let clientSide = Negotiation(local: offer, remote: answered.local, dtlsRole: .client, sendBack: true, offerDirection: .sendrecv)
        return (serverSide, answered.localTracks, clientSide, clientTracks)
    }

    @Test("a re-offer keeps mids, SSRCs and extension ids, appends new sections and states the current DTLS role")
    func reofferShape() throws {
        let state = try established()
        let (offer, tracks) = ReofferRules.offer(
            previous: state.client, localTracks: state.clientTracks, kinds: [.audio, .video, .video], removing: [],
            local: client, restartCredentials: nil, policy: MediaPolicy(), cname: "c")
        #expect(offer.sections.map(\.mid) == ["0", "1", "2"])
        #expect(offer.bundle == ["0", "1", "2"])
        #expect(Array(tracks.prefix(2)) == state.clientTracks)
        #expect(tracks[2].mid == "2" && tracks[2].streamID == state.clientTracks[0].streamID)
        #expect(offer.sections[2].extensions == offer.sections[1].extensions)
        let (audioOnly, _) = ReofferRules.offer(
            previous: state.client, localTracks: state.clientTracks, kinds: [.audio, .video, .audio], removing: [],
            local: client, restartCredentials: nil, policy: MediaPolicy(), cname: "c")
        #expect(audioOnly.sections[2].extensions == audioOnly.sections[0].extensions, "a new audio section: the audio level too, same ids")
        #expect(audioOnly.sections[2].extensions.contains { $0.uri == MediaPolicy.audioLevelURI })
        #expect(offer.transport.setup == .active)
        #expect(offer.transport.iceUfrag == client.iceUfrag)

        let answered = try ReanswerRules.answer(
            toReoffer: offer, previous: state.server, localTracks: state.serverTracks, local: server,
            freshCredentials: fresh, policy: MediaPolicy(), cname: "s")
        #expect(answered.restartCredentials == nil)
        #expect(answered.result.local.transport.setup == .passive)
        #expect(Array(answered.result.localTracks.prefix(2)) == state.serverTracks)
        #expect(answered.result.remoteTracks.map(\.mid) == ["0", "1", "2"])
        let applied = try ReofferRules.apply(
            answer: answered.result.local, to: offer, tracks: tracks, previous: state.client, restartingICE: false)
        #expect(applied.localTracks == tracks)
    }

    @Test("removal: a mid in `removing`, or a live section `kinds` no longer wants, goes to port 0 and stays there")
    func removal() throws {
        let state = try established()
        let (offer, tracks) = ReofferRules.offer(
            previous: state.client, localTracks: state.clientTracks, kinds: [.video], removing: [],
            local: client, restartCredentials: nil, policy: MediaPolicy(), cname: "c")
        #expect(offer.sections.map(\.port) == [0, 9])
        #expect(offer.bundle == ["1"] && tracks.map(\.mid) == ["1"])
        let byMid = ReofferRules.offer(
            previous: state.client, localTracks: state.clientTracks, kinds: [.audio, .video], removing: ["1"],
            local: client, restartCredentials: nil, policy: MediaPolicy(), cname: "c")
        // Video 1 removed by mid; the wanted video becomes a new section 2.
        #expect(byMid.offer.sections.map(\.port) == [9, 0, 9])
        #expect(byMid.tracks.map(\.mid) == ["0", "2"])

        let answered = try ReanswerRules.answer(
            toReoffer: offer, previous: state.server, localTracks: state.serverTracks, local: server,
            freshCredentials: fresh, policy: MediaPolicy(), cname: "s")
        #expect(answered.result.local.sections.map(\.port) == [0, 9])
        #expect(answered.result.remoteTracks.map(\.mid) == ["1"])
    }

    @Test("a=inactive keeps the m-line bundled but removes both tracks")
    func inactive() throws {
        let state = try established()
        var offer = state.client.local
        offer.sections[1].direction = .inactive
        let answered = try ReanswerRules.answer(
            toReoffer: offer, previous: state.server, localTracks: state.serverTracks, local: server,
            freshCredentials: fresh, policy: MediaPolicy(), cname: "s")
        #expect(answered.result.local.sections[1].direction == .inactive)
        #expect(answered.result.local.bundle == ["0", "1"])
        #expect(answered.result.remoteTracks.map(\.mid) == ["0"])
        #expect(answered.result.localTracks.map(\.mid) == ["0"])
    }

    /// The server offered sendonly audio+video (a subscriber transport),
    /// the client answered recvonly.
    func serverOffered() throws -> (server: Negotiation, serverTracks: [LocalTrack], client: Negotiation) {
        let (offer, serverTracks) = OfferRules.offer(
            kinds: [.audio, .video], direction: .sendonly, local: server, policy: MediaPolicy(), cname: "s")
        let answered = try AnswerRules.answer(to: offer, local: client, policy: MediaPolicy(), sendBack: false, cname: "c")
        let serverSide = Negotiation(local: offer, remote: answered.local, dtlsRole: .server, sendBack: false, offerDirection: .sendonly)
        let clientSide = Negotiation(local: answered.local, remote: offer, dtlsRole: .client, sendBack: false, offerDirection: .recvonly)
        return (serverSide, serverTracks, clientSide)
    }

    @Test("m-line reuse: a deactivated section stays bundled without a track; reactivated, it carries a new track on the same mid")
    func deactivateThenReactivate() throws {
        let state = try serverOffered()
        let (idle, idleTracks) = ReofferRules.offer(
            previous: state.server, localTracks: state.serverTracks, changes: ["1": .deactivate], appending: [],
            local: server, restartCredentials: nil, policy: MediaPolicy(), cname: "s")
        #expect(idle.sections.map(\.port) == [9, 9] && idle.bundle == ["0", "1"])
        #expect(idle.sections[1].direction == .inactive && idle.sections[1].ssrcs.isEmpty && idle.sections[1].msid == nil)
        #expect(idleTracks == [state.serverTracks[0]])
        let idleAnswer = try ReanswerRules.answer(
            toReoffer: idle, previous: state.client, localTracks: [], local: client,
            freshCredentials: fresh, policy: MediaPolicy(), cname: "c")
        #expect(idleAnswer.result.remoteTracks.map(\.mid) == ["0"])
        let applied = try ReofferRules.apply(
            answer: idleAnswer.result.local, to: idle, tracks: idleTracks, previous: state.server, restartingICE: false)
        #expect(applied.localTracks == idleTracks)

        // Both sides as they stand after the first re-offer.
        var server2 = state.server
        server2.local = idle
        server2.remote = idleAnswer.result.local
        var client2 = state.client
        client2.local = idleAnswer.result.local
        client2.remote = idle
        let (reused, reusedTracks) = ReofferRules.offer(
            previous: server2, localTracks: applied.localTracks, changes: ["1": .reactivate], appending: [.video],
            local: server, restartCredentials: nil, policy: MediaPolicy(), cname: "s")
        #expect(reused.sections.map(\.mid) == ["0", "1", "2"])
        #expect(reused.sections.map(\.direction) == [.sendonly, .sendonly, .sendonly])
        #expect(reusedTracks.map(\.mid) == ["0", "1", "2"])
        let old = state.serverTracks[1]
        #expect(reusedTracks[1].ssrc != old.ssrc && reusedTracks[1].trackID != old.trackID)
        #expect(reused.sections[1].ssrcs == [reusedTracks[1].ssrc] && reused.sections[1].msid?.track == reusedTracks[1].trackID)
        #expect(reused.sections[1].extensions == idle.sections[1].extensions)
        let reusedAnswer = try ReanswerRules.answer(
            toReoffer: reused, previous: client2, localTracks: [], local: client,
            freshCredentials: fresh, policy: MediaPolicy(), cname: "c")
        #expect(reusedAnswer.result.remoteTracks.map(\.mid) == ["0", "1", "2"])
        #expect(reusedAnswer.result.remoteTracks[1].ssrcs == [reusedTracks[1].ssrc])
        let reapplied = try ReofferRules.apply(
            answer: reusedAnswer.result.local, to: reused, tracks: reusedTracks, previous: server2, restartingICE: false)
        #expect(reapplied.localTracks == reusedTracks)
    }

    @Test("a re-offer whose sections are all idle is answered and applied (the connection stays)")
    func allIdle() throws {
        let state = try serverOffered()
        let (idle, tracks) = ReofferRules.offer(
            previous: state.server, localTracks: state.serverTracks, changes: ["0": .deactivate, "1": .deactivate],
            appending: [], local: server, restartCredentials: nil, policy: MediaPolicy(), cname: "s")
        let answer = try ReanswerRules.answer(
            toReoffer: idle, previous: state.client, localTracks: [], local: client,
            freshCredentials: fresh, policy: MediaPolicy(), cname: "c")
        #expect(answer.result.remoteTracks.isEmpty)
        let applied = try ReofferRules.apply(
            answer: answer.result.local, to: idle, tracks: tracks, previous: state.server, restartingICE: false)
        #expect(applied.localTracks.isEmpty && tracks.isEmpty)
    }

    @Test("kinds/removing is the same as the per-section changes it implies")
    func kindsAsChanges() throws {
        let state = try established()
        let implied = ReofferRules.changes(previous: state.client, kinds: [.audio, .video, .audio], removing: ["1"])
        #expect(implied.changes == ["0": .keep, "1": .reject])
        #expect(implied.appending == [.video, .audio])
    }

    @Test("refused: another fingerprint, swapped setup, reordered or dropped m-lines; ICE restart gets fresh credentials")
    func refusalsAndRestart() throws {
        let state = try established()
        func answer(_ offer: SessionModel) throws -> RenegotiationResult {
            try ReanswerRules.answer(
                toReoffer: offer, previous: state.server, localTracks: state.serverTracks, local: server,
                freshCredentials: fresh, policy: MediaPolicy(), cname: "s")
        }
        var otherPrint = state.client.local
        otherPrint.transport.fingerprints = [Self.serverPrint]
        #expect(throws: NegotiationError.self) { try answer(otherPrint) }
        var swapped = state.client.local
        swapped.transport.setup = .passive  // the offerer wants to be the DTLS server now
        #expect(throws: NegotiationError.self) { try answer(swapped) }
        var reordered = state.client.local
        reordered.sections.reverse()
        #expect(throws: NegotiationError.self) { try answer(reordered) }
        var shorter = state.client.local
        shorter.sections.removeLast()
        #expect(throws: NegotiationError.self) { try answer(shorter) }

        var restart = state.client.local
        restart.transport.iceUfrag = "cli2"
        restart.transport.icePassword = "client-password-another"
        let restarted = try answer(restart)
        #expect(restarted.restartCredentials == fresh)
        #expect(restarted.result.local.transport.iceUfrag == "new1")
        // An answer to a restart must carry new credentials; an answer to a
        // plain re-offer must not.
        let (offer, tracks) = ReofferRules.offer(
            previous: state.client, localTracks: state.clientTracks, kinds: [.audio, .video], removing: [],
            local: client, restartCredentials: ICECredentials(ufrag: "cli3", password: "client-password-third00"),
            policy: MediaPolicy(), cname: "c")
        #expect(offer.transport.iceUfrag == "cli3")
        #expect(throws: NegotiationError.self) {
            try ReofferRules.apply(answer: state.server.local, to: offer, tracks: tracks, previous: state.client, restartingICE: true)
        }
        #expect(throws: NegotiationError.self) {
            try ReofferRules.apply(answer: restarted.result.local, to: offer, tracks: tracks, previous: state.client, restartingICE: false)
        }
    }

    @Test("ICE-lite restart: new credentials only, selection kept, consent deadline restarts")
    func liteRestart() throws {
        let t0 = ContinuousClock.now
        var lite = ICELiteAgent(local: ICEFixtures.server, remote: ICEFixtures.client)
        _ = lite.receive(try clientCheck(useCandidate: true), from: ICEFixtures.clientA, now: t0)
        let newServer = ICECredentials(ufrag: "srv2", password: "server-password-second00")
        let newClient = ICECredentials(ufrag: "cli2", password: "client-password-second00")
        lite.restart(local: newServer, remote: newClient, now: t0 + .seconds(20))
        #expect(lite.selectedAddress == ICEFixtures.clientA && lite.isValidated(ICEFixtures.clientA))
        #expect(lite.nextTimeout == t0 + .seconds(30))  // disconnected deadline from the restart
        let old = lite.receive(try clientCheck(), from: ICEFixtures.clientA, now: t0 + .seconds(21))
        #expect(old.drops == [.badUsername])
        let new = lite.receive(
            try clientCheck(username: "srv2:cli2", password: newServer.password), from: ICEFixtures.clientB, now: t0 + .seconds(21))
        #expect(new.drops.isEmpty && new.sent.first?.message.type == .bindingSuccess)
    }

    @Test("controlling restart: fresh checks with the new USERNAME; the first success selects again")
    func controllingRestart() throws {
        let t0 = ContinuousClock.now
        var agent = ICEControllingAgent(
            local: ICEFixtures.client, remote: ICEFixtures.server, remoteCandidates: [ICEFixtures.serverAddress])
        let first = agent.start(now: t0).sent[0].message
        let success = STUNMessage.bindingSuccess(transactionID: first.transactionID, mappedAddress: STUNTransportAddress(ICEFixtures.clientA)!)
        let encoded = try STUNMessage(parsing: success.encode(integrityKey: STUNMessage.shortTermKey(password: ICEFixtures.server.password), fingerprint: true))
        #expect(agent.receive(encoded, from: ICEFixtures.serverAddress, now: t0).selections == [ICEFixtures.serverAddress])

        let newServer = ICECredentials(ufrag: "srv2", password: "server-password-second00")
        let newClient = ICECredentials(ufrag: "cli2", password: "client-password-second00")
        let moved = try SocketAddress(ipAddress: "203.0.113.6", port: 3478)
        let checks = agent.restart(local: newClient, remote: newServer, remoteCandidates: [moved], now: t0 + .seconds(1)).sent
        #expect(agent.isRestarting && agent.selectedAddress == ICEFixtures.serverAddress)
        #expect(checks.map(\.to) == [moved])
        #expect(checks[0].message.username == "srv2:cli2" && checks[0].message.useCandidate)
        let reply = STUNMessage.bindingSuccess(transactionID: checks[0].message.transactionID, mappedAddress: STUNTransportAddress(ICEFixtures.clientA)!)
        let signed = try STUNMessage(parsing: reply.encode(integrityKey: STUNMessage.shortTermKey(password: newServer.password), fingerprint: true))
        #expect(agent.receive(signed, from: moved, now: t0 + .seconds(1)).selections == [moved])
        #expect(!agent.isRestarting && agent.state == .connected)
    }

    @Test("RoutingTable.rename moves the peer and its addresses to the new ufrag")
    func rename() throws {
        let a = try SocketAddress(ipAddress: "127.0.0.1", port: 5000)
        var table = RoutingTable<String>()
        table.register("peer-1", ufrag: "u1")
        table.register("peer-2", ufrag: "u2")
        table.bind(a, toUfrag: "u1")
        let taken = table.rename(ufrag: "u1", to: "u2")
        let unknown = table.rename(ufrag: "nobody", to: "u9")
        let renamed = table.rename(ufrag: "u1", to: "u3")
        #expect(!taken && !unknown && renamed)
        #expect(table.peer(forUfrag: "u1") == nil && table.peer(forUfrag: "u3") == "peer-1")
        #expect(table.peer(for: a) == "peer-1" && table.ufrag(for: a) == "u3")
        let removed = table.remove(ufrag: "u3")
        #expect(removed == "peer-1")
        #expect(table.addressCount == 0)
    }
}

/// A policy may name an audio-only URI among its common extensions too
/// (meet-load did, once the audio-level extension became a default): the
/// offer must still carry each URI once per section, or the node refuses
/// it ("extmap ID given twice in one section").
@Suite("Offer extensions")
struct OfferExtensionTests {
    @Test("a URI in both the common and the audio list is offered once, with one id")
    func listedTwiceOfferedOnce() throws {
        let local = LocalTransport(
            iceUfrag: "cli1", icePassword: "client-password-0123456",
            fingerprint: DTLSFingerprint(algorithm: .sha256, digest: Array(repeating: 0x02, count: 32)),
            candidateIP: "127.0.0.1", candidatePort: 50000, iceLite: false)
        let policy = MediaPolicy(headerExtensions: [MediaPolicy.midURI, MediaPolicy.audioLevelURI])
        let (offer, _) = OfferRules.offer(kinds: [.audio, .video], local: local, policy: policy, cname: "c")
        let audio = try #require(offer.sections.first { $0.kind == "audio" })
        let uris = audio.extensions.map(\.uri)
        #expect(uris.filter { $0 == MediaPolicy.audioLevelURI }.count == 1)
        #expect(Set(audio.extensions.map(\.id)).count == audio.extensions.count)
    }
}
