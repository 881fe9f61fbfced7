import Foundation
import MeetBus
import MeetProtocol
import NIOConcurrencyHelpers

/// An SFU node as meet-ws sees it, without media: it answers the control
/// contract (``SFUControlType``) on its inbox `sfu:{id}` over any bus (the
/// in-memory one in unit tests, Redis in integration tests), keeps the
/// transports it "created", and publishes `sfu.transport-closed` events as a
/// real node does. An offer containing `bad` is refused with `bad_sdp`.
final class FakeNode: Sendable {
    struct Transport: Sendable {
        var participantId: String
        var roomId: String?
        var publisherParticipantId: String?
        var tracks: [SFUTrack]
        /// A per-node subscriber connection: `tracks` of several publishers.
        var perNode = false
    }

    struct State: Sendable {
        var transports: [String: Transport] = [:]
        var mutes: Set<String> = []
        var requests: [(type: String, body: String)] = []
        var draining = false
        /// While set, requests are never answered (a hung or dead node).
        var hanging = false
        /// Publisher transports told `sfu.retire-transport`.
        var retired: Set<String> = []
        /// The last `sfu.set-video-selection` of each subscriber connection.
        var videoSelections: [String: [SFUVideoTarget]] = [:]
        var next = 0
        /// Requests being answered now, and the most at once.
        var inFlight = 0
        var maxInFlight = 0
        /// While set, each request waits (up to 30 s) until this many have
        /// arrived in all: a gate that shows how many a caller sends at once.
        var holdUntilArrived: Int?
        var arrived = 0
        /// A node older than the batched `sfu.remove-subscription`: it takes
        /// off `publisherParticipantId` alone and answers without `removed`.
        var legacyRemovals = false
        /// Connections whose removals are refused (`bad_request`).
        var refusedRemovals: Set<String> = []
        /// Added to every answer (a node or bus round trip slower than in memory).
        var latency: Duration?
    }

    let id: String
    let bus: any MessageBus
    let state = NIOLockedValueBox(State())
    /// Called before each event is published (an in-memory cluster counts
    /// it until its replicas have handled it).
    private let willPublishEvent: @Sendable () -> Void

    init(id: String, bus: any MessageBus, willPublishEvent: @escaping @Sendable () -> Void = {}) {
        self.id = id
        self.bus = bus
        self.willPublishEvent = willPublishEvent
        bus.setRequestHandler { [self] message in try await self.answer(message) }
    }

    /// A registry record for this node, written now.
    func record(port: Int = 10000, state: SFUNodeState = .serving, transports: Int = 0, nowMs: Int64) -> SFUNodeRecord {
        SFUNodeRecord(
            id: self.id, publicIP: "127.0.0.1", udpPort: port, region: "test", state: state,
            load: SFUNodeLoad(transports: transports), updatedAtMs: nowMs)
    }

    var requestTypes: [String] { self.state.withLockedValue { $0.requests.map(\.type) } }
    func requests(_ type: String) -> [String] { self.state.withLockedValue { $0.requests.filter { $0.type == type }.map(\.body) } }
    var transportIds: [String] { self.state.withLockedValue { $0.transports.keys.sorted() } }
    func setDraining(_ draining: Bool) { self.state.withLockedValue { $0.draining = draining } }
    var isDraining: Bool { self.state.withLockedValue { $0.draining } }
    func setHanging(_ hanging: Bool) { self.state.withLockedValue { $0.hanging = hanging } }
    var retired: Set<String> { self.state.withLockedValue { $0.retired } }
    var videoSelections: [String: [SFUVideoTarget]] { self.state.withLockedValue { $0.videoSelections } }
    var maxInFlight: Int { self.state.withLockedValue { $0.maxInFlight } }

    /// Starts draining as a real node does on SIGTERM: refuses new
    /// transports and publishes `sfu.node-draining`.
    func announceDraining(deadlineMs: Int64 = 0) async throws {
        self.setDraining(true)
        self.willPublishEvent()
        try await self.bus.publish(
            SFUNodeDrainingEvent.type, SFUNodeDrainingEvent(nodeId: self.id, deadlineMs: deadlineMs), to: SFUEventChannel.events)
    }

    /// Reports a room's speakers as a real node does (`sfu.audio-levels`);
    /// `levels` loudest first, empty when the room went quiet here.
    func reportLevels(room roomId: UUID, _ levels: [(UUID, Int)]) async throws {
        self.willPublishEvent()
        let event = SFUAudioLevelsEvent(
            nodeId: self.id, roomId: roomId.uuidString,
            levels: levels.map { SFUAudioLevelsEvent.Level(participantId: $0.0.uuidString, level: $0.1) })
        try await self.bus.publish(SFUAudioLevelsEvent.type, event, to: SFUEventChannel.events)
    }

    /// Tells a publisher which simulcast layers to send, as a real node does (`sfu.publisher-layers`, dynacast).
    func reportLayers(room roomId: UUID, participant: String, _ layers: PublisherLayers) async throws {
        self.willPublishEvent()
        let event = SFUPublisherLayersEvent(nodeId: self.id, roomId: roomId.uuidString, participantId: participant, layers: layers)
        try await self.bus.publish(SFUPublisherLayersEvent.type, event, to: SFUEventChannel.events)
    }

    /// Waits (up to 15 s) until the node has received a request of `type`.
    func waitFor(_ type: String, count: Int = 1) async throws {
        for _ in 0..<1500 {
            if self.requests(type).count >= count { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw ClusterError("node \(self.id): expected \(count) \(type), got \(self.requestTypes)")
    }

    /// Ends a transport "on its own" (ICE consent lost) and tells everyone.
    func drop(_ transportId: String, reason: String = "ice_failed") async throws {
        try await self.close([transportId], reason: reason)
    }

    /// `sfu.create-subscriber` with `perNode`: a new connection, or the
    /// publisher's tracks added to the named one (each naming its publisher).
    private func addToConnection(_ request: CreateSubscriberRequest) throws -> CreateSubscriberReply {
        let made: (String, [SFUTrack])? = try self.state.withLockedValue { state in
            guard let publisher = state.transports.values.first(where: {
                $0.participantId == request.publisherParticipantId && $0.publisherParticipantId == nil && !$0.perNode
            }) else { return nil }
            let owned = publisher.tracks.map { track in var t = track; t.participantId = request.publisherParticipantId; return t }
            if let id = request.transportId {
                guard var connection = state.transports[id], connection.perNode, connection.participantId == request.participantId else {
                    throw BusErrorBody(code: "unknown_transport", message: "no such connection")
                }
                connection.tracks.removeAll { $0.participantId == request.publisherParticipantId }
                connection.tracks += owned
                state.transports[id] = connection
                return (id, connection.tracks)
            }
            state.next += 1
            let id = "\(self.id)-conn-\(state.next)"
            state.transports[id] = Transport(participantId: request.participantId, tracks: owned, perNode: true)
            return (id, owned)
        }
        guard let (id, tracks) = made else { throw BusErrorBody(code: "unknown_publisher", message: "publishes nothing here") }
        return CreateSubscriberReply(
            transportId: id, offer: request.transportId == nil ? "v=0 offer from \(self.id)" : "v=0 re-offer", tracks: tracks)
    }

    private func answer(_ message: BusMessage) async throws -> BusResponse {
        let raw = String(decoding: message.raw, as: UTF8.self)
        let (hanging, hold, latency) = self.state.withLockedValue { state in
            state.requests.append((message.type, raw))
            state.arrived += 1
            state.inFlight += 1
            state.maxInFlight = max(state.maxInFlight, state.inFlight)
            return (state.hanging, state.holdUntilArrived, state.latency)
        }
        defer { self.state.withLockedValue { $0.inFlight -= 1 } }
        if hanging {
            try await Task.sleep(for: .seconds(3600))
        }
        if let latency { try await Task.sleep(for: latency) }
        if let hold {
            let deadline = ContinuousClock.now + .seconds(30)
            while self.state.withLockedValue({ $0.arrived < hold }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        switch message.type {
        case SFUControlType.createPublisher:
            let request = try message.decode(CreatePublisherRequest.self)
            if self.state.withLockedValue({ $0.draining }) { throw BusErrorBody(code: "draining", message: "draining") }
            let tracks = try self.tracks(request.offer, request.sources, participant: request.participantId, transport: nil)
            let id = self.state.withLockedValue { state in
                state.next += 1
                let id = "\(self.id)-pub-\(state.next)"
                state.transports[id] = Transport(participantId: request.participantId, roomId: request.roomId, tracks: [])
                return id
            }
            let final = tracks.map { track in var t = track; t.id = "\(id):\(track.mid)"; return t }
            self.state.withLockedValue { $0.transports[id]?.tracks = final }
            return BusResponse(CreatePublisherReply(transportId: id, answer: "v=0 answer from \(self.id)", tracks: final))
        case SFUControlType.renegotiatePublisher:
            let request = try message.decode(RenegotiatePublisherRequest.self)
            guard let transport = self.state.withLockedValue({ $0.transports[request.transportId] }) else {
                throw BusErrorBody(code: "unknown_transport", message: "no such transport")
            }
            let tracks = try self.tracks(
                request.offer, request.sources, participant: transport.participantId, transport: request.transportId)
            self.state.withLockedValue { $0.transports[request.transportId]?.tracks = tracks }
            return BusResponse(CreatePublisherReply(transportId: request.transportId, answer: "v=0 re-answer", tracks: tracks))
        case SFUControlType.createSubscriber where (try? message.decode(CreateSubscriberRequest.self))?.perNode == true:
            return BusResponse(try self.addToConnection(try message.decode(CreateSubscriberRequest.self)))
        case SFUControlType.removeSubscription:
            let request = try message.decode(RemoveSubscriptionRequest.self)
            let (legacy, refused) = self.state.withLockedValue { ($0.legacyRemovals, $0.refusedRemovals.contains(request.transportId)) }
            if refused { throw BusErrorBody(code: "bad_request", message: "refused") }
            // The batched form takes them all off (and says so); an older node only the first.
            let removing = Set(legacy ? [request.publisherParticipantId] : request.publishers)
            let remaining: [SFUTrack]? = self.state.withLockedValue { state in
                guard var connection = state.transports[request.transportId], connection.perNode else { return nil }
                connection.tracks.removeAll { removing.contains($0.participantId ?? "") }
                state.transports[request.transportId] = connection.tracks.isEmpty ? nil : connection
                return connection.tracks
            }
            guard let remaining else { throw BusErrorBody(code: "unknown_transport", message: "no such connection") }
            // `reoffer: false`: no offer (meet-ws took the publisher off on its own).
            return BusResponse(RemoveSubscriptionReply(
                transportId: request.transportId, offer: remaining.isEmpty || request.reoffer == false ? nil : "v=0 re-offer",
                tracks: remaining, closed: remaining.isEmpty,
                removed: legacy || request.publisherParticipantIds == nil ? nil : request.publishers))
        case SFUControlType.createSubscriber:
            let request = try message.decode(CreateSubscriberRequest.self)
            let made: (String, [SFUTrack])? = self.state.withLockedValue { state in
                guard let publisher = state.transports.values.first(where: {
                    $0.participantId == request.publisherParticipantId && $0.publisherParticipantId == nil
                }) else { return nil }
                state.next += 1
                let id = "\(self.id)-sub-\(state.next)"
                state.transports[id] = Transport(
                    participantId: request.participantId, publisherParticipantId: request.publisherParticipantId,
                    tracks: publisher.tracks)
                return (id, publisher.tracks)
            }
            guard let (id, tracks) = made else { throw BusErrorBody(code: "unknown_publisher", message: "publishes nothing here") }
            return BusResponse(CreateSubscriberReply(transportId: id, offer: "v=0 offer from \(self.id)", tracks: tracks))
        case SFUControlType.renegotiateSubscriber:
            let request = try message.decode(RenegotiateSubscriberRequest.self)
            guard let transport = self.state.withLockedValue({ $0.transports[request.transportId] }) else {
                throw BusErrorBody(code: "unknown_transport", message: "no such transport")
            }
            return BusResponse(
                CreateSubscriberReply(transportId: request.transportId, offer: "v=0 re-offer \(request.iceRestart)", tracks: transport.tracks))
        case SFUControlType.subscriberAnswer:
            let request = try message.decode(SubscriberAnswerRequest.self)
            guard self.state.withLockedValue({ $0.transports[request.transportId] }) != nil else {
                throw BusErrorBody(code: "unknown_transport", message: "no such transport")
            }
            if request.answer.contains("bad") { throw BusErrorBody(code: "bad_sdp", message: "unparsable answer") }
            return BusResponse(SFUCloseReply(closed: 0))
        case SFUControlType.setMute:
            let request = try message.decode(SetMuteRequest.self)
            let key = "\(request.participantId)/\(request.source.rawValue)"
            let changed = self.state.withLockedValue { state in
                if request.muted { state.mutes.insert(key) } else { state.mutes.remove(key) }
                var changed = 0
                for (id, transport) in state.transports where transport.participantId == request.participantId && transport.publisherParticipantId == nil {
                    for index in transport.tracks.indices where transport.tracks[index].source == request.source {
                        state.transports[id]?.tracks[index].muted = request.muted
                        changed += 1
                    }
                }
                return changed
            }
            return BusResponse(SetMuteReply(tracks: changed))
        case SFUControlType.closeTransport:
            let request = try message.decode(CloseTransportRequest.self)
            return BusResponse(SFUCloseReply(closed: try await self.close([request.transportId], reason: "closed")))
        case SFUControlType.retireTransport:
            // A real node keeps forwarding until the old subscribers leave; the fake only remembers.
            let request = try message.decode(RetireTransportRequest.self)
            let known = self.state.withLockedValue { state in
                guard state.transports[request.transportId] != nil else { return false }
                state.retired.insert(request.transportId)
                return true
            }
            guard known else { throw BusErrorBody(code: "unknown_transport", message: "no such transport") }
            return BusResponse(SFUCloseReply(closed: 0))
        case SFUControlType.closeParticipant:
            let request = try message.decode(CloseParticipantRequest.self)
            let ids = self.state.withLockedValue { $0.transports.filter { $0.value.participantId == request.participantId }.map(\.key) }
            return BusResponse(SFUCloseReply(closed: try await self.close(ids, reason: "closed")))
        case SFUControlType.setVideoSelection:
            let request = try message.decode(SetVideoSelectionRequest.self)
            let applied = self.state.withLockedValue { state in
                request.selections.filter { state.transports[$0.transportId] != nil }.map { selection in
                    state.videoSelections[selection.transportId] = selection.forward
                    return selection.transportId
                }
            }
            return BusResponse(SetVideoSelectionReply(applied: applied))
        default:
            throw BusErrorBody(code: "unsupported_type", message: message.type)
        }
    }

    /// Closes transports (a publisher's takes its subscribers along) and publishes the events.
    @discardableResult
    private func close(_ ids: [String], reason: String) async throws -> Int {
        let events: [SFUTransportClosedEvent] = self.state.withLockedValue { state in
            var events: [SFUTransportClosedEvent] = []
            for id in ids {
                guard let transport = state.transports.removeValue(forKey: id) else { continue }
                let isPublisher = transport.publisherParticipantId == nil && !transport.perNode
                events.append(SFUTransportClosedEvent(
                    nodeId: self.id, transportId: id, role: isPublisher ? .publisher : .subscriber,
                    participantId: transport.participantId, publisherParticipantId: transport.publisherParticipantId,
                    roomId: transport.roomId, reason: reason))
                guard isPublisher else { continue }
                for (subId, sub) in state.transports where sub.publisherParticipantId == transport.participantId {
                    state.transports[subId] = nil
                    events.append(SFUTransportClosedEvent(
                        nodeId: self.id, transportId: subId, role: .subscriber, participantId: sub.participantId,
                        publisherParticipantId: transport.participantId, reason: "publisher_closed"))
                }
            }
            return events
        }
        for event in events {
            self.willPublishEvent()
            try await self.bus.publish(SFUTransportClosedEvent.type, event, to: SFUEventChannel.events)
        }
        return events.count
    }

    /// One track per `m=` line of the offer, mid = its index.
    private func tracks(_ offer: String, _ sources: [String: SFUTrackSource]?, participant: String, transport: String?) throws -> [SFUTrack] {
        if offer.contains("bad") { throw BusErrorBody(code: "bad_sdp", message: "cannot parse the offer") }
        let kinds = offer.split(whereSeparator: \.isNewline).compactMap { line -> String? in
            line.hasPrefix("m=audio") ? "audio" : line.hasPrefix("m=video") ? "video" : nil
        }
        let defaults = SFUTrackSource.defaults(kinds: kinds)
        let mutes = self.state.withLockedValue { $0.mutes }
        return kinds.enumerated().map { index, kind in
            let mid = String(index)
            let source = sources?[mid] ?? defaults[index]
            return SFUTrack(
                id: "\(transport ?? "new"):\(mid)", mid: mid, kind: kind, source: source, codec: kind == "audio" ? "opus" : "VP8",
                muted: mutes.contains("\(participant)/\(source.rawValue)"))
        }
    }
}

/// Offers the fake node understands: one `m=` line per track.
enum FakeSDP {
    static let audioVideo = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    static let audioVideoScreen = audioVideo + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
}
