public import Foundation

/// What one whiteboard operation does (issue #21, item 7).
///
/// Drawings (`stroke`, `line`, `rect`, `ellipse`, `text`) add an item;
/// `erase` removes one by its `seq`; `clear` empties the board; `lock` and
/// `unlock` say whether only hosts may draw. Every one of them is an op in
/// the board's single order, so whatever order the bus delivers them in,
/// every replica and client that applies them by `seq` ends with the same board.
public enum WhiteboardOpKind: String, Codable, Sendable, CaseIterable {
    case stroke, line, rect, ellipse, text, erase, clear, lock, unlock

    /// An op that adds an item to the board.
    public var isDrawing: Bool {
        switch self {
        case .stroke, .line, .rect, .ellipse, .text: true
        case .erase, .clear, .lock, .unlock: false
        }
    }

    /// Hosts only (owner or host role, read from PostgreSQL at each op).
    public var requiresHost: Bool {
        switch self {
        case .clear, .lock, .unlock: true
        default: false
        }
    }
}

/// `whiteboard-op` from a client: one operation. Coordinates are integers
/// on a fixed ``WhiteboardOp/canvasWidth`` × ``WhiteboardOp/canvasHeight``
/// board (clients scale), so every replica and export draws the same thing
/// and no float (NaN, infinity) ever reaches the server.
public struct WhiteboardOp: Codable, Sendable, Equatable {
    public var kind: WhiteboardOpKind
    /// Flat `[x0, y0, x1, y1, …]`: a stroke's points (2 to ``maxPoints``);
    /// a line's ends or a rect's / ellipse's opposite corners (exactly 2
    /// points); a text's position (1 point).
    public var points: [Int]?
    /// `#rrggbb` (drawings; default black).
    public var color: String?
    /// Line width, 1 to ``maxWidth`` (drawings but text; default 3).
    public var width: Int?
    /// A text's content, 1 to ``maxTextLength`` characters.
    public var text: String?
    /// A text's font size, ``minFontSize`` to ``maxFontSize`` (default 24).
    public var size: Int?
    /// `erase`: the `seq` of the drawing to remove.
    public var target: Int64?

    public static let canvasWidth = 1600
    public static let canvasHeight = 900
    /// Points of one stroke: a long freehand line sent at pointer-up fits.
    public static let maxPoints = 500
    public static let maxWidth = 64
    public static let maxTextLength = 500
    public static let minFontSize = 8
    public static let maxFontSize = 200
    /// The largest op, as JSON: a full stroke of 500 four-digit points is about 5 KB.
    public static let maxBytes = 8 * 1024
    /// Ops a socket may send at once, and per second after that: a bucket of
    /// its own beside the socket's message rate (strokes go whole at pointer-up).
    public static let burst = 20
    public static let perSecond = 10

    public init(
        kind: WhiteboardOpKind, points: [Int]? = nil, color: String? = nil, width: Int? = nil, text: String? = nil,
        size: Int? = nil, target: Int64? = nil
    ) {
        self.kind = kind
        self.points = points
        self.color = color
        self.width = width
        self.text = text
        self.size = size
        self.target = target
    }

    /// Decoded field by field so that a float or a string where an integer
    /// belongs is an error naming its field (JSONDecoder's own error for a
    /// number that does not fit an `Int` carries no coding path).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func integers<T: Decodable>(_ type: T.Type, _ key: CodingKeys) throws -> T? {
            do {
                return try container.decodeIfPresent(type, forKey: key)
            } catch {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "must be integers")
            }
        }
        self.kind = try container.decode(WhiteboardOpKind.self, forKey: .kind)
        self.points = try integers([Int].self, .points)
        self.color = try container.decodeIfPresent(String.self, forKey: .color)
        self.width = try integers(Int.self, .width)
        self.text = try container.decodeIfPresent(String.self, forKey: .text)
        self.size = try integers(Int.self, .size)
        self.target = try integers(Int64.self, .target)
    }

    /// What is wrong with it, naming the field; nil when it is well formed.
    public var problem: String? {
        let name = "whiteboard-op \(self.kind.rawValue)"
        if let color = self.color, !Self.isColor(color) { return "\(name): color must be #rrggbb" }
        if let width = self.width, !(1...Self.maxWidth).contains(width) { return "\(name): width must be 1 to \(Self.maxWidth)" }
        let points = self.points ?? []
        if points.count % 2 != 0 { return "\(name): points must be x, y pairs" }
        for (index, value) in points.enumerated() {
            let limit = index % 2 == 0 ? Self.canvasWidth : Self.canvasHeight
            if !(0...limit).contains(value) {
                return "\(name): points must lie on the \(Self.canvasWidth)x\(Self.canvasHeight) board"
            }
        }
        let pairs = points.count / 2
        switch self.kind {
        case .stroke:
            guard (2...Self.maxPoints).contains(pairs) else { return "\(name): points must be 2 to \(Self.maxPoints) points" }
        case .line, .rect, .ellipse:
            guard pairs == 2 else { return "\(name): points must be exactly 2 points" }
        case .text:
            guard pairs == 1 else { return "\(name): points must be exactly 1 point" }
            let text = self.text ?? ""
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, text.count <= Self.maxTextLength else {
                return "\(name): text must be 1 to \(Self.maxTextLength) characters"
            }
            if let size = self.size, !(Self.minFontSize...Self.maxFontSize).contains(size) {
                return "\(name): size must be \(Self.minFontSize) to \(Self.maxFontSize)"
            }
        case .erase:
            guard let target = self.target, target > 0 else { return "\(name): target must be the seq of a drawing" }
        case .clear, .lock, .unlock:
            break
        }
        if !self.kind.isDrawing, pairs > 0 || self.text != nil { return "\(name): carries no points or text" }
        if self.kind != .erase, self.target != nil { return "\(name): target is for erase only" }
        if self.kind != .text, self.text != nil || self.size != nil { return "\(name): text and size are for text only" }
        if self.encodedSize > Self.maxBytes { return "\(name): over \(Self.maxBytes) bytes" }
        return nil
    }

    /// Its size as stored and sent (compact JSON).
    public var encodedSize: Int { self.storedJSON.utf8.count }

    /// The op as stored: compact JSON, keys sorted.
    public var storedJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// `#rrggbb`, the only colour form accepted (and so the only one an export writes).
    public static func isColor(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        guard utf8.count == 7, utf8[0] == UInt8(ascii: "#") else { return false }
        return utf8.dropFirst().allSatisfy { (48...57).contains($0) || (97...102).contains($0) || (65...70).contains($0) }
    }
}

/// `whiteboard-sync` from a client: the board's ops after `since` (its
/// last applied `seq`), or the whole board when nil. A client sends it
/// after `joined` and whenever it sees a gap in the `seq`s.
public struct WhiteboardSyncRequest: Codable, Sendable, Equatable {
    public var since: Int64?

    /// Syncs a socket may send at once, and per second after that: each
    /// may read and send the whole board (up to `MEET_WS_WHITEBOARD_MAX_BYTES`),
    /// so a client cannot turn the message rate into a flood of them.
    public static let burst = 5
    public static let perSecond = 1

    public init(since: Int64? = nil) {
        self.since = since
    }
}

/// `whiteboard-op` to the room: one op in the board's order.
public struct WhiteboardOpEvent: Codable, Sendable, Equatable {
    /// Its place in the board's single order (1, 2, …; never reused).
    public var seq: Int64
    public var participantId: UUID
    public var op: WhiteboardOp
    public var createdAt: Date

    public init(seq: Int64, participantId: UUID, op: WhiteboardOp, createdAt: Date) {
        self.seq = seq
        self.participantId = participantId
        self.op = op
        self.createdAt = createdAt
    }

    /// An op as stored (its JSON, ``WhiteboardOp/storedJSON``) back as the event that announced it.
    public init(seq: Int64, participantId: UUID, storedJSON: String, createdAt: Date) throws {
        let op = try JSONDecoder().decode(WhiteboardOp.self, from: Data(storedJSON.utf8))
        self.init(seq: seq, participantId: participantId, op: op, createdAt: createdAt)
    }
}

/// `whiteboard-state`, the reply to `whiteboard-sync`: the ops a client
/// needs, in order. The board keeps only what its current state needs: a
/// `clear` drops every op before it and an `erase` drops its target, so a
/// full state starts at the last `clear` (if any).
public struct WhiteboardStateData: Codable, Sendable, Equatable {
    /// The stored ops after the request's `since`, ascending by `seq`.
    public var ops: [WhiteboardOpEvent]
    /// The board's last `seq` (0 for an empty board).
    public var seq: Int64
    /// Whether only hosts may draw.
    public var locked: Bool
    /// True when the ops are the whole board (a sync without `since`): the
    /// client starts over from them. After a `since` older than the last
    /// `clear`, the `clear` itself is among the ops, which has the same effect.
    public var full: Bool

    public init(ops: [WhiteboardOpEvent], seq: Int64, locked: Bool, full: Bool) {
        self.ops = ops
        self.seq = seq
        self.locked = locked
        self.full = full
    }
}
