public import Foundation

/// The breakout-room requests a client sends (issue #21 item 5), one
/// ``ClientMessage/breakout(_:)`` case so the signaling enums grow by one.
public enum BreakoutCommand: Sendable, Equatable {
    /// Hosts: make the rooms (replacing a draft's).
    case create(BreakoutCreate)
    /// Hosts: put one person in a room (or back in the main room); a host
    /// assigning itself visits that room.
    case assign(BreakoutAssign)
    /// Hosts: spread everyone not yet assigned (hosts excepted) over the rooms.
    case auto
    /// Hosts: open the rooms, optionally with a timer.
    case open(BreakoutOpen)
    /// Hosts: close the rooms; everyone comes back after the countdown.
    case close(BreakoutClose)
    /// Hosts: a message to every room.
    case broadcast(BreakoutBroadcastSend)
    /// Anyone: the plan as it is now (reply `breakout`).
    case get

    public static let types = [
        "breakout-create", "breakout-assign", "breakout-auto", "breakout-open", "breakout-close", "breakout-broadcast", "breakout-get",
    ]

    public var type: String {
        switch self {
        case .create: "breakout-create"
        case .assign: "breakout-assign"
        case .auto: "breakout-auto"
        case .open: "breakout-open"
        case .close: "breakout-close"
        case .broadcast: "breakout-broadcast"
        case .get: "breakout-get"
        }
    }

    /// Everything but `breakout-get` is the hosts'.
    public var requiresHost: Bool { self != .get }

    static func decode(_ reader: ClientPayload) throws(ClientDecodeError) -> BreakoutCommand {
        switch reader.type {
        case "breakout-create": return .create(try reader.decode(BreakoutCreate.self))
        case "breakout-assign": return .assign(try reader.decode(BreakoutAssign.self))
        case "breakout-auto": _ = try reader.decode(EmptyData.self, empty: EmptyData()); return .auto
        case "breakout-open": return .open(try reader.decode(BreakoutOpen.self, empty: BreakoutOpen()))
        case "breakout-close": return .close(try reader.decode(BreakoutClose.self, empty: BreakoutClose()))
        case "breakout-broadcast": return .broadcast(try reader.decode(BreakoutBroadcastSend.self))
        default: _ = try reader.decode(EmptyData.self, empty: EmptyData()); return .get
        }
    }

    var data: any Encodable {
        switch self {
        case .create(let data): data
        case .assign(let data): data
        case .open(let data): data
        case .close(let data): data
        case .broadcast(let data): data
        case .auto, .get: EmptyData()
        }
    }

    /// What is wrong with the request's fields, if anything (checked before
    /// any I/O, by the session's machine).
    public var problem: String? {
        switch self {
        case .create(let create): create.problem
        case .open(let open):
            open.durationSeconds.flatMap {
                (BreakoutLimits.minDurationSeconds...BreakoutLimits.maxDurationSeconds).contains(Int64($0)) ? nil
                    : "breakout-open: durationSeconds \(BreakoutLimits.minDurationSeconds) to \(BreakoutLimits.maxDurationSeconds)"
            }
        case .close(let close):
            close.countdownSeconds.flatMap {
                (0...BreakoutLimits.maxCountdownSeconds).contains(Int64($0)) ? nil
                    : "breakout-close: countdownSeconds 0 to \(BreakoutLimits.maxCountdownSeconds)"
            }
        case .broadcast(let broadcast):
            broadcast.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || broadcast.text.count > BreakoutLimits.maxBroadcastLength
                ? "breakout-broadcast: text must be 1 to \(BreakoutLimits.maxBroadcastLength) characters" : nil
        case .assign, .auto, .get: nil
        }
    }
}

/// `breakout-create`: `count` rooms named "Room 1"…, or one room per name.
public struct BreakoutCreate: Codable, Sendable, Equatable {
    public var count: Int?
    public var names: [String]?

    public init(count: Int? = nil, names: [String]? = nil) {
        self.count = count
        self.names = names
    }

    /// The room names asked for, trimmed.
    public var roomNames: [String] {
        if let names { return names.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } }
        return (0..<max(0, min(self.count ?? 0, BreakoutLimits.maxRooms + 1))).map { "Room \($0 + 1)" }
    }

    var problem: String? {
        if self.count != nil, self.names != nil { return "breakout-create: count or names, not both" }
        let names = self.roomNames
        guard (1...BreakoutLimits.maxRooms).contains(names.count) else {
            return "breakout-create: 1 to \(BreakoutLimits.maxRooms) rooms"
        }
        guard names.allSatisfy({ !$0.isEmpty && $0.count <= BreakoutLimits.maxNameLength }) else {
            return "breakout-create: each name 1 to \(BreakoutLimits.maxNameLength) characters"
        }
        return Set(names).count == names.count ? nil : "breakout-create: names must differ"
    }
}

/// `breakout-assign`: `roomId` absent (null) puts the person back in the main room.
public struct BreakoutAssign: Codable, Sendable, Equatable {
    public var participantId: UUID
    public var roomId: UUID?

    public init(participantId: UUID, roomId: UUID?) {
        self.participantId = participantId
        self.roomId = roomId
    }
}

/// `breakout-open`: `durationSeconds` sets a timer.
public struct BreakoutOpen: Codable, Sendable, Equatable {
    public var durationSeconds: Int?

    public init(durationSeconds: Int? = nil) {
        self.durationSeconds = durationSeconds
    }
}

/// `breakout-close`: the countdown before everyone is back (default 15 s).
public struct BreakoutClose: Codable, Sendable, Equatable {
    public var countdownSeconds: Int?

    public init(countdownSeconds: Int? = nil) {
        self.countdownSeconds = countdownSeconds
    }
}

/// `breakout-broadcast` (client): a host's message to every room.
public struct BreakoutBroadcastSend: Codable, Sendable, Equatable {
    public var text: String

    public init(text: String) {
        self.text = text
    }
}

/// `breakout-broadcast` (server): a host's message, to everyone in every room.
public struct BreakoutBroadcast: Codable, Sendable, Equatable {
    public var participantId: UUID
    public var displayName: String
    public var text: String

    public init(participantId: UUID, displayName: String, text: String) {
        self.participantId = participantId
        self.displayName = displayName
        self.text = text
    }
}

/// `breakout-scope`: the receiver moved (or the room around it changed):
/// who it now sees and hears. The client replaces its roster with
/// `participants`, drops every subscription to a publisher not listed and
/// subscribes to `tracks`, on the nodes where they are (no rejoin).
public struct BreakoutScope: Codable, Sendable, Equatable {
    /// The receiver's breakout room; absent: the main room.
    public var roomId: UUID?
    public var roomName: String?
    public var participants: [ParticipantInfo]
    public var tracks: [TrackInfo]

    public init(roomId: UUID?, roomName: String?, participants: [ParticipantInfo], tracks: [TrackInfo]) {
        self.roomId = roomId
        self.roomName = roomName
        self.participants = participants
        self.tracks = tracks
    }
}

/// What the server sends about breakout rooms: one ``ServerMessage/breakout(_:)`` case.
public enum BreakoutEvent: Sendable, Equatable {
    /// The plan changed (to everyone), and the reply to `breakout-get`.
    case plan(BreakoutPlan)
    /// The receiver's scope changed.
    case scope(BreakoutScope)
    /// A host's message to every room.
    case broadcast(BreakoutBroadcast)

    public static let types = ["breakout", "breakout-scope", "breakout-broadcast"]

    public var type: String {
        switch self {
        case .plan: "breakout"
        case .scope: "breakout-scope"
        case .broadcast: "breakout-broadcast"
        }
    }

    var data: any Encodable {
        switch self {
        case .plan(let data): data
        case .scope(let data): data
        case .broadcast(let data): data
        }
    }

    static func decode(type: String, _ bytes: Data) throws -> BreakoutEvent {
        let decoder = SignalingCodec.makeDecoder()
        func payload<T: Decodable>(_: T.Type) throws -> T { try decoder.decode(SignalingCodec.Body<T>.self, from: bytes).data }
        switch type {
        case "breakout": return .plan(try payload(BreakoutPlan.self))
        case "breakout-scope": return .scope(try payload(BreakoutScope.self))
        default: return .broadcast(try payload(BreakoutBroadcast.self))
        }
    }
}
