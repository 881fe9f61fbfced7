import CHiredis

/// Why bytes from the server could not be read as RESP.
public enum RESPParseError: Error, Hashable, Sendable {
    /// hiredis rejected the stream (bad type byte, bad length, nesting too deep).
    /// The connection is unusable afterwards and must be closed.
    case protocolError(String)
    /// hiredis could not allocate its reader or a reply.
    case outOfMemory
}

/// A façade over hiredis's RESP reader (`redisReader`), the only part of
/// hiredis Meet uses: SwiftNIO owns the socket, hiredis turns bytes into
/// replies. Feed it whatever arrived (split anywhere, or many replies at
/// once) and pull complete replies with ``next()``.
///
/// One reader per connection, used from that connection's event loop only,
/// hence not `Sendable`. The C pointer never leaves this type.
final class RESPReader {
    private let reader: UnsafeMutablePointer<redisReader>

    init() throws(RESPParseError) {
        guard let reader = redisReaderCreate() else { throw .outOfMemory }
        self.reader = reader
    }

    deinit {
        redisReaderFree(reader)
    }

    /// Appends bytes received from the server. Throws when the reader is
    /// already in an error state.
    func feed(_ bytes: UnsafeRawBufferPointer) throws(RESPParseError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        let rc = redisReaderFeed(reader, base.assumingMemoryBound(to: CChar.self), bytes.count)
        if rc != REDIS_OK { throw currentError() }
    }

    func feed(_ bytes: [UInt8]) throws(RESPParseError) {
        let rc = bytes.withUnsafeBytes { raw -> Int32 in
            guard let base = raw.baseAddress, !raw.isEmpty else { return REDIS_OK }
            return redisReaderFeed(reader, base.assumingMemoryBound(to: CChar.self), raw.count)
        }
        if rc != REDIS_OK { throw currentError() }
    }

    /// The next complete reply, or `nil` when more bytes are needed.
    func next() throws(RESPParseError) -> RESPValue? {
        var raw: UnsafeMutableRawPointer?
        let rc = redisReaderGetReply(reader, &raw)
        guard rc == REDIS_OK else { throw currentError() }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return Self.convert(raw.assumingMemoryBound(to: redisReply.self))
    }

    private func currentError() -> RESPParseError {
        if reader.pointee.err == REDIS_ERR_OOM { return .outOfMemory }
        let message = withUnsafeBytes(of: reader.pointee.errstr) { raw -> String in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
        return .protocolError(message.isEmpty ? "protocol error" : message)
    }

    /// Copies a hiredis reply tree into Swift values. hiredis caps nesting
    /// at a handful of levels, so the recursion is shallow.
    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RESPValue {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            return .bulkString(bytes(r.str, r.len))
        case REDIS_REPLY_STATUS:
            return .simpleString(String(decoding: bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(r.integer))
        case REDIS_REPLY_ARRAY:
            guard let elements = r.element else { return .array([]) }
            var values: [RESPValue] = []
            values.reserveCapacity(r.elements)
            for index in 0..<r.elements {
                if let element = elements[index] {
                    values.append(convert(element))
                } else {
                    values.append(.null)
                }
            }
            return .array(values)
        default:
            return .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
