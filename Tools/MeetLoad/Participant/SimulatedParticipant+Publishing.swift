import MeetProtocol
import MeetRTC
import NIOConcurrencyHelpers

/// The participant's publication: its publisher connection (made at join
/// and again after a `migrate`), the speaking pattern its audio follows,
/// and dynacast's `publisher-layers`, applied to the connection they name.
extension SimulatedParticipant {
    /// A new publisher connection, published (with `replaces` after a
    /// `migrate`), connected and sending.
    func makePublication(replacing old: String?) async throws(LoadError) -> PublisherLeg {
        guard let signaling else { throw LoadError("not_joined", "publish before join") }
        let started = monotonicNanos()
        let socket = try await context.bindSocket()
        let recorder = context.recorder
        let index = plan.index
        let sender = MediaSender(loop: socket.eventLoop, media: context.media, speaking: speakingNow) { state in
            if case .failed(let stage, let reason) = state {
                recorder.error(LoadError("publisher_failed_\(stage.rawValue.lowercased())", reason), participant: index)
            }
        }
        let connection = PeerConnection(
            role: .client, socket: socket, configuration: context.rtc, delegate: sender, logger: context.rtcLogger)
        do {
            let kinds: [MeetRTC.MediaKind] = plan.publishes == .audioAndVideo ? [.audio, .video] : [.audio]
            let offer = try await connection.createOffer(kinds: kinds, direction: .sendonly, policy: context.publisherPolicy)
            let reply = try await signaling.request(.publish(PublishRequest(offer: offer, replaces: old)), timeout: context.requestTimeout)
            guard case .published(let published) = reply.message else {
                throw LoadError("ws_unexpected_reply", "publish answered \(reply.message.type)")
            }
            try await connection.acceptAnswer(published.answer)
            try await waitConnected(connection, timeout: context.connectTimeout, what: "publisher")
            try await sender.start(connection: connection, audioLevelID: Self.audioLevelID(in: published.answer))
            if old == nil { recorder.publishing(millis: millis(from: started, to: monotonicNanos())) }
            return PublisherLeg(transportId: published.transportId, socket: socket, connection: connection, sender: sender)
        } catch {
            try? await socket.close()
            throw LoadError(error, or: "publish_failed")
        }
    }

    /// Loud or silent now: by ``SpeakerTurns`` when speakers take turns, else as planned.
    var speakingNow: @Sendable () -> Bool {
        let planned = plan.speaking
        guard let turns = context.speakerTurns else { return { planned } }
        let position = plan.position
        return { turns.isSpeaking(position: position, at: monotonicNanos()) }
    }

    /// `leg` is now this participant's publisher connection; a
    /// `publisher-layers` that came for it before is applied now.
    func setPublicationLeg(_ leg: PublisherLeg) {
        publication = leg
        if let pending = pendingPublisherLayers, pending.transportId == leg.transportId {
            leg.sender.setActiveLayers(pending.sections.map { ($0.mid, $0.active) })
        }
        pendingPublisherLayers = nil
    }

    /// Dynacast: only for the current publisher connection (an old one's is
    /// stale). One for a connection not set up yet (its `published` reply
    /// and this raced) waits for it (``setPublicationLeg(_:)``).
    func applyPublisherLayers(_ layers: PublisherLayers) {
        guard let publication, publication.transportId == layers.transportId else {
            pendingPublisherLayers = layers
            return
        }
        publication.sender.setActiveLayers(layers.sections.map { ($0.mid, $0.active) })
    }

    /// `migrate` for the publication: a new connection on the new node
    /// (`replaces` the old one), then the old one closed, its counts kept.
    func replacePublication(_ old: PublisherLeg) async {
        do {
            setPublicationLeg(try await makePublication(replacing: old.transportId))
            await old.close()
            // A layer the old connection had off stops counting as off now (its time went to the new one).
            let sent = old.sender.counters.withLockedValue { $0 }.closingOff(at: monotonicNanos())
            sentBefore = sentBefore?.adding(sent) ?? sent
        } catch {
            record(error)
        }
    }

    /// The id the node's answer gives RFC 6464 audio levels, if it accepted them.
    static func audioLevelID(in answer: String) -> UInt8? {
        for line in answer.split(whereSeparator: \.isNewline) where line.hasSuffix(MediaPolicy.audioLevelURI) {
            guard line.hasPrefix("a=extmap:") else { continue }
            let id = line.dropFirst("a=extmap:".count).prefix { $0.isNumber }
            return UInt8(id)
        }
        return nil
    }
}
