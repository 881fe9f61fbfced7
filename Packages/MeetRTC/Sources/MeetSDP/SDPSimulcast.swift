/// `a=rid:<rid-id> <send|recv> [<restrictions>]` (RFC 8851 §10), e.g.
/// `a=rid:h send` or `a=rid:q send max-width=320;max-height=180`.
public struct SDPRID: Hashable, Sendable, SDPAttributeValue {
    public static let attributeName = "rid"

    public enum Direction: String, Hashable, Sendable { case send, recv }

    public var id: String
    public var direction: Direction
    /// Restrictions as written ("pt=96,97;max-width=1280"), nil when none.
    public var restrictions: String?

    public init(id: String, direction: Direction, restrictions: String? = nil) {
        self.id = id
        self.direction = direction
        self.restrictions = restrictions
    }

    public init(attributeValue: String) throws {
        let f = fields(attributeValue)
        guard f.count >= 2, let direction = Direction(rawValue: String(f[1])) else {
            throw SDPParseError.malformedValue(kind: "rid", value: attributeValue)
        }
        self.init(id: String(f[0]), direction: direction, restrictions: f.count > 2 ? f[2...].joined(separator: " ") : nil)
    }

    public var attributeValue: String { "\(id) \(direction.rawValue)" + (restrictions.map { " \($0)" } ?? "") }
}

/// `a=simulcast:<send|recv> <streams> [<send|recv> <streams>]` (RFC 8853 §5.1), e.g.
/// `a=simulcast:send q;h;f` or `a=simulcast:recv h;~l`. Streams are separated by
/// ";"; alternatives within one stream by ","; "~" marks a paused stream.
public struct SDPSimulcast: Hashable, Sendable, SDPAttributeValue {
    public static let attributeName = "simulcast"

    /// One RID in a stream list.
    public struct Stream: Hashable, Sendable {
        public var rid: String
        public var paused: Bool
        public init(rid: String, paused: Bool = false) {
            self.rid = rid
            self.paused = paused
        }
    }

    /// Each element is one simulcast stream: its alternative RIDs.
    public var send: [[Stream]]
    public var receive: [[Stream]]

    public init(send: [[Stream]] = [], receive: [[Stream]] = []) {
        self.send = send
        self.receive = receive
    }

    public init(attributeValue: String) throws {
        let bad = SDPParseError.malformedValue(kind: "simulcast", value: attributeValue)
        let f = fields(attributeValue)
        guard f.count == 2 || f.count == 4 else { throw bad }
        var send: [[Stream]] = [], receive: [[Stream]] = []
        for i in stride(from: 0, to: f.count, by: 2) {
            let list = try f[i + 1].split(separator: ";", omittingEmptySubsequences: false).map { alt in
                try alt.split(separator: ",", omittingEmptySubsequences: false).map { id -> Stream in
                    let paused = id.hasPrefix("~")
                    let rid = paused ? id.dropFirst() : id
                    guard !rid.isEmpty else { throw bad }
                    return Stream(rid: String(rid), paused: paused)
                }
            }
            switch f[i] {
            case "send" where send.isEmpty: send = list
            case "recv" where receive.isEmpty: receive = list
            default: throw bad
            }
        }
        self.init(send: send, receive: receive)
    }

    public var attributeValue: String {
        func text(_ list: [[Stream]]) -> String {
            list.map { $0.map { ($0.paused ? "~" : "") + $0.rid }.joined(separator: ",") }.joined(separator: ";")
        }
        var parts = [String]()
        if !send.isEmpty { parts += ["send", text(send)] }
        if !receive.isEmpty { parts += ["recv", text(receive)] }
        return parts.joined(separator: " ")
    }
}
