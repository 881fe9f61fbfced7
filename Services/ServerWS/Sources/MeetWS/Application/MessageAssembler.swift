/// Turns WebSocket data frames into messages, the RFC 6455 way, without I/O
/// (the socket reader in ``WebSocketEndpoint`` feeds it).
///
/// HummingbirdWebSocket's own `messages(maxSize:)` reports every failure
/// alike (and does not check UTF-8 unless asked), so meet-ws assembles
/// messages itself and maps each failure to its close code:
/// - a continuation frame with no message started, or a text/binary frame
///   while a fragmented message is still open: 1002 (RFC 6455 §5.4);
/// - a text message that is not valid UTF-8: 1007 (§5.6, §8.1);
/// - a message over the size limit: 1009 (§7.4.1).
struct MessageAssembler {
    enum Opcode: Sendable { case text, binary, continuation }

    enum Failure: Error, Equatable {
        case continuationWithoutStart
        case unfinishedMessage
        case invalidUTF8
        case tooLarge

        /// The close code RFC 6455 §7.4.1 gives this failure.
        var closeCode: UInt16 {
            switch self {
            case .continuationWithoutStart, .unfinishedMessage: CloseCode.protocolError
            case .invalidUTF8: CloseCode.invalidPayload
            case .tooLarge: CloseCode.tooLarge
            }
        }

        var reason: String {
            switch self {
            case .continuationWithoutStart: "continuation frame without a message"
            case .unfinishedMessage: "new message before the last one finished"
            case .invalidUTF8: "text message is not valid UTF-8"
            case .tooLarge: "message too large"
            }
        }
    }

    let maxSize: Int
    private var pending: [UInt8] = []
    private var pendingIsText = false
    private var inMessage = false

    init(maxSize: Int) {
        self.maxSize = maxSize
    }

    /// Takes one data frame; returns the message it completes, if any.
    mutating func push(_ opcode: Opcode, fin: Bool, _ data: some Collection<UInt8>) throws(Failure) -> [UInt8]? {
        switch opcode {
        case .continuation:
            guard self.inMessage else { throw .continuationWithoutStart }
        case .text, .binary:
            guard !self.inMessage else { throw .unfinishedMessage }
            self.inMessage = true
            self.pendingIsText = opcode == .text
            self.pending.removeAll(keepingCapacity: true)
        }
        guard self.pending.count + data.count <= self.maxSize else { throw .tooLarge }
        self.pending.append(contentsOf: data)
        guard fin else { return nil }
        self.inMessage = false
        let message = self.pending
        self.pending = []
        if self.pendingIsText, String(validating: message, as: UTF8.self) == nil { throw .invalidUTF8 }
        return message
    }
}
