/// RID-based simulcast of one media section (RFC 8851 `a=rid`, RFC 8853
/// `a=simulcast`), as the description that carries it says it: the writer
/// sends (`send`) or receives (`recv`) these layers, one RTP stream each,
/// told apart by the RtpStreamId header extension (RFC 8852).
///
/// Alternatives within one stream (`a=simulcast:send h,m;l`) are not
/// modelled: each stream keeps its first RID, which is what browsers write
/// (they never offer alternatives). Bidirectional simulcast (`send` and
/// `recv` in one line) keeps the `send` list; no browser offers it.
public struct SimulcastModel: Sendable, Hashable {
    public enum Direction: String, Sendable, Hashable {
        case send, recv
    }

    /// One simulcast stream: its RID, whether it starts paused (`~`, RFC
    /// 8853 §5.1), and the `a=rid` restrictions as written (RFC 8851 §4).
    public struct Layer: Sendable, Hashable {
        public var rid: String
        public var paused: Bool
        public var restrictions: String?

        public init(rid: String, paused: Bool = false, restrictions: String? = nil) {
            self.rid = rid
            self.paused = paused
            self.restrictions = restrictions
        }
    }

    public var direction: Direction
    /// In `a=simulcast` order. Browsers list them as their `sendEncodings`,
    /// usually lowest resolution first; the order says nothing certain
    /// about size, so forwarders measure the layers instead.
    public var layers: [Layer]

    public init(direction: Direction, layers: [Layer]) {
        self.direction = direction
        self.layers = layers
    }

    public var rids: [String] { layers.map(\.rid) }
}
