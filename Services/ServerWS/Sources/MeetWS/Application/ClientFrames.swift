import HummingbirdWebSocket
import NIOCore

/// The client's WebSocket frames as whole messages (``MessageAssembler``),
/// for every meet-ws socket (meeting and user sockets).
enum ClientFrames {
    /// Reads `inbound` until it ends: `message` for each whole message, in
    /// order (awaited, so a slow consumer stops the reading and TCP pushes
    /// back); a message past `maxSize` or a framing error calls `failure`
    /// once and stops. True when the socket ended without a failure.
    static func read(
        _ inbound: WebSocketInboundStream, maxSize: Int,
        message: ([UInt8]) async -> Void, failure: (MessageAssembler.Failure) -> Void
    ) async -> Bool {
        var assembler = MessageAssembler(maxSize: maxSize)
        do {
            for try await frame in inbound {
                let opcode: MessageAssembler.Opcode =
                    switch frame.opcode {
                    case .text: .text
                    case .binary: .binary
                    case .continuation: .continuation
                    }
                do throws(MessageAssembler.Failure) {
                    if let whole = try assembler.push(opcode, fin: frame.fin, frame.data.readableBytesView) {
                        await message(whole)
                    }
                } catch {
                    failure(error)
                    return false
                }
            }
        } catch {}
        return true
    }
}
