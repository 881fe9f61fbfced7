public import Foundation

/// JSON encoding and decoding of signaling frames, both directions.
///
/// The server decodes ``ClientEnvelope`` and encodes ``ServerEnvelope``;
/// clients (and the tests) do the reverse. Dates are ISO 8601 strings.
/// Decoding never traps: anything malformed becomes a typed error that the
/// server turns into an `error` frame while keeping the socket open.
public enum SignalingCodec {
    /// The outer shape shared by every frame.
    private struct Header: Decodable {
        var type: String
        var id: String?
    }

    struct Body<Data: Decodable>: Decodable {
        var data: Data
    }

    private struct Frame<Data: Encodable>: Encodable {
        var type: String
        var id: String?
        var data: Data
    }

    static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    private static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    // MARK: Client → server

    /// Decodes one client frame. `data` may be omitted for types without fields.
    public static func decodeClient(_ bytes: some DataProtocol) throws(ClientDecodeError) -> ClientEnvelope {
        let data = Data(bytes)
        let decoder = Self.makeDecoder()
        let header: Header
        do {
            header = try decoder.decode(Header.self, from: data)
        } catch {
            throw ClientDecodeError(id: nil, .malformedJSON, "expected a JSON object with a string \"type\"")
        }
        let id = header.id
        if let id, id.utf8.count > 128 {
            throw ClientDecodeError(id: nil, .invalidData, "id must be at most 128 bytes")
        }
        let reader = ClientPayload(type: header.type, id: id, bytes: data, decoder: decoder)
        func payload<T: Decodable>(_: T.Type, empty: T? = nil) throws(ClientDecodeError) -> T {
            try reader.decode(T.self, empty: empty)
        }
        let message: ClientMessage
        switch header.type {
        case "join": _ = try payload(EmptyData.self, empty: EmptyData()); message = .join
        case "leave": _ = try payload(EmptyData.self, empty: EmptyData()); message = .leave
        case "media": message = .media(try payload(MediaUpdate.self))
        case "hand": message = .hand(try payload(HandUpdate.self))
        case "chat": message = .chat(try payload(ChatSend.self))
        case "mute": message = .mute(try payload(MuteCommand.self))
        case "kick": message = .kick(try payload(TargetCommand.self))
        case "admit": message = .admit(try payload(TargetCommand.self))
        case "deny": message = .deny(try payload(TargetCommand.self))
        case "end-meeting": _ = try payload(EmptyData.self, empty: EmptyData()); message = .endMeeting
        case "ping": message = .ping(try payload(PingData.self, empty: PingData()))
        case "publish": message = .publish(try payload(PublishRequest.self))
        case "unpublish": _ = try payload(EmptyData.self, empty: EmptyData()); message = .unpublish
        case "subscribe": message = .subscribe(try payload(SubscribeRequest.self))
        case "subscribe-answer": message = .subscribeAnswer(try payload(SubscribeAnswer.self))
        case "unsubscribe": message = .unsubscribe(try payload(UnsubscribeRequest.self))
        case "video-preferences": message = .videoPreferences(try payload(VideoPreferencesRequest.self))
        case "reaction": message = .reaction(try payload(ReactionSend.self))
        case "record-start": _ = try payload(EmptyData.self, empty: EmptyData()); message = .recordStart
        case "record-stop": _ = try payload(EmptyData.self, empty: EmptyData()); message = .recordStop
        case let type where EngagementCommand.types.contains(type): message = .engagement(try EngagementCommand.decode(reader))
        case let type where BreakoutCommand.types.contains(type): message = .breakout(try BreakoutCommand.decode(reader))
        case "whiteboard-op": message = .whiteboardOp(try payload(WhiteboardOp.self))
        case "whiteboard-sync": message = .whiteboardSync(try payload(WhiteboardSyncRequest.self, empty: WhiteboardSyncRequest()))
        default:
            let shown = header.type.prefix(64)
            throw ClientDecodeError(id: id, .unknownType, "unknown message type \"\(shown)\"")
        }
        return ClientEnvelope(id: id, message)
    }

    /// Encodes a client frame (for clients and tests).
    public static func encode(_ envelope: ClientEnvelope) -> String {
        let id = envelope.id
        switch envelope.message {
        case .join, .leave, .endMeeting, .unpublish, .recordStart, .recordStop:
            return Self.frame(envelope.message.type, id, EmptyData())
        case .publish(let data): return Self.frame("publish", id, data)
        case .subscribe(let data): return Self.frame("subscribe", id, data)
        case .subscribeAnswer(let data): return Self.frame("subscribe-answer", id, data)
        case .unsubscribe(let data): return Self.frame("unsubscribe", id, data)
        case .videoPreferences(let data): return Self.frame("video-preferences", id, data)
        case .reaction(let data): return Self.frame("reaction", id, data)
        case .engagement(let command): return Self.frame(command.type, id, command.data)
        case .breakout(let command): return Self.frame(command.type, id, command.data)
        case .whiteboardOp(let data): return Self.frame("whiteboard-op", id, data)
        case .whiteboardSync(let data): return Self.frame("whiteboard-sync", id, data)
        case .media(let data): return Self.frame("media", id, data)
        case .hand(let data): return Self.frame("hand", id, data)
        case .chat(let data): return Self.frame("chat", id, data)
        case .mute(let data): return Self.frame("mute", id, data)
        case .kick(let data): return Self.frame("kick", id, data)
        case .admit(let data): return Self.frame("admit", id, data)
        case .deny(let data): return Self.frame("deny", id, data)
        case .ping(let data): return Self.frame("ping", id, data)
        }
    }

    // MARK: Server → client

    /// Encodes a server frame.
    public static func encode(_ envelope: ServerEnvelope) -> String {
        let id = envelope.id
        let type = envelope.message.type
        switch envelope.message {
        case .joined(let data), .admitted(let data): return Self.frame(type, id, data)
        case .waiting(let data): return Self.frame(type, id, data)
        case .denied(let data), .kicked(let data), .meetingEnded(let data): return Self.frame(type, id, data)
        case .participantJoined(let data), .participantUpdated(let data), .admissionRequest(let data):
            return Self.frame(type, id, data)
        case .participantLeft(let data): return Self.frame(type, id, data)
        case .chat(let data): return Self.frame(type, id, data)
        case .muteRequested(let data): return Self.frame(type, id, data)
        case .admissionResolved(let data): return Self.frame(type, id, data)
        case .sessionReplaced(let data): return Self.frame(type, id, data)
        case .published(let data): return Self.frame(type, id, data)
        case .subscription(let data): return Self.frame(type, id, data)
        case .tracks(let data): return Self.frame(type, id, data)
        case .subscriptionClosed(let data): return Self.frame(type, id, data)
        case .migrate(let data): return Self.frame(type, id, data)
        case .credentials(let data): return Self.frame(type, id, data)
        case .activeSpeakers(let data): return Self.frame(type, id, data)
        case .publisherLayers(let data): return Self.frame(type, id, data)
        case .videoSelection(let data): return Self.frame(type, id, data)
        case .reaction(let data): return Self.frame(type, id, data)
        case .engagement(let event): return Self.frame(type, id, event.data)
        case .breakout(let event): return Self.frame(type, id, event.data)
        case .recordingStarted(let data): return Self.frame(type, id, data)
        case .recordingStopped(let data): return Self.frame(type, id, data)
        case .whiteboardOp(let data): return Self.frame(type, id, data)
        case .whiteboardState(let data): return Self.frame(type, id, data)
        case .notification(let data): return Self.frame(type, id, data)
        case .userReady(let data): return Self.frame(type, id, data)
        case .pong(let data): return Self.frame(type, id, data)
        case .ack(let data): return Self.frame(type, id, data)
        case .error(let data): return Self.frame(type, id, data)
        }
    }

    /// Decodes a server frame (for clients and tests).
    public static func decodeServer(_ bytes: some DataProtocol) throws -> ServerEnvelope {
        let data = Data(bytes)
        let decoder = Self.makeDecoder()
        let header = try decoder.decode(Header.self, from: data)
        func payload<T: Decodable>(_: T.Type) throws -> T { try decoder.decode(Body<T>.self, from: data).data }
        let message: ServerMessage
        switch header.type {
        case "joined": message = .joined(try payload(RoomSnapshot.self))
        case "admitted": message = .admitted(try payload(RoomSnapshot.self))
        case "waiting": message = .waiting(try payload(WaitingData.self))
        case "denied": message = .denied(try payload(Removal.self))
        case "kicked": message = .kicked(try payload(Removal.self))
        case "meeting-ended": message = .meetingEnded(try payload(Removal.self))
        case "participant-joined": message = .participantJoined(try payload(ParticipantEvent.self))
        case "participant-updated": message = .participantUpdated(try payload(ParticipantEvent.self))
        case "admission-request": message = .admissionRequest(try payload(ParticipantEvent.self))
        case "participant-left": message = .participantLeft(try payload(ParticipantLeft.self))
        case "chat": message = .chat(try payload(ChatMessage.self))
        case "mute-requested": message = .muteRequested(try payload(MuteRequested.self))
        case "admission-resolved": message = .admissionResolved(try payload(AdmissionResolved.self))
        case "session-replaced": message = .sessionReplaced(try payload(EmptyData.self))
        case "published": message = .published(try payload(Published.self))
        case "subscription": message = .subscription(try payload(SubscriptionOffer.self))
        case "tracks": message = .tracks(try payload(TracksEvent.self))
        case "subscription-closed": message = .subscriptionClosed(try payload(SubscriptionClosed.self))
        case "migrate": message = .migrate(try payload(MigrateInstruction.self))
        case "credentials": message = .credentials(try payload(ResumeCredentials.self))
        case "active-speakers": message = .activeSpeakers(try payload(ActiveSpeakers.self))
        case "publisher-layers": message = .publisherLayers(try payload(PublisherLayers.self))
        case "video-selection": message = .videoSelection(try payload(VideoSelectionData.self))
        case "reaction": message = .reaction(try payload(ReactionEvent.self))
        case let type where EngagementEvent.types.contains(type): message = .engagement(try EngagementEvent.decode(type: type, data))
        case let type where BreakoutEvent.types.contains(type): message = .breakout(try BreakoutEvent.decode(type: type, data))
        case "recording-started": message = .recordingStarted(try payload(RecordingStarted.self))
        case "recording-stopped": message = .recordingStopped(try payload(RecordingStopped.self))
        case "whiteboard-op": message = .whiteboardOp(try payload(WhiteboardOpEvent.self))
        case "whiteboard-state": message = .whiteboardState(try payload(WhiteboardStateData.self))
        case "notification": message = .notification(try payload(NotificationResponse.self))
        case "user-ready": message = .userReady(try payload(EmptyData.self))
        case "pong": message = .pong(try payload(PingData.self))
        case "ack": message = .ack(try payload(AckData.self))
        case "error": message = .error(try payload(SignalingError.self))
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "unknown server type \(header.type)"))
        }
        return ServerEnvelope(id: header.id, message)
    }

    // MARK: Helpers

    private static func frame<T: Encodable>(_ type: String, _ id: String?, _ data: T) -> String {
        // Encoding our own value types cannot fail (no floats, no custom throws).
        let bytes = (try? Self.makeEncoder().encode(Frame(type: type, id: id, data: data))) ?? Data("{}".utf8)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A short, client-safe description of a decoding failure naming the field.
    static func describe(_ error: any Error, type: String) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?:
            return "\(type): missing field \(path(context.codingPath + [key]))"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            return "\(type): wrong type for \(path(context.codingPath))"
        case .dataCorrupted(let context)?:
            return "\(type): invalid value for \(path(context.codingPath))"
        default:
            return "\(type): invalid data"
        }
    }
}
