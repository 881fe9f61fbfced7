import NIOCore

/// A request body that stops at `limit` bytes: the next chunk past it
/// throws ``BodyLimitExceeded`` instead of being handed on, so a store
/// writing from it never holds or writes more than the limit, whatever the
/// `Content-Length` said (or did not say: chunked uploads). A failure to
/// read the body (the client gone) is thrown as ``RequestBodyAborted``.
struct LimitedBody<Base: AsyncSequence>: AsyncSequence where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer

    let base: Base
    let limit: Int64

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let limit: Int64
        var received: Int64 = 0

        mutating func next() async throws -> ByteBuffer? {
            let chunk: ByteBuffer?
            do {
                chunk = try await self.base.next()
            } catch {
                throw RequestBodyAborted(underlying: error)
            }
            guard let chunk else { return nil }
            self.received += Int64(chunk.readableBytes)
            guard self.received <= self.limit else { throw BodyLimitExceeded(limit: self.limit) }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: self.base.makeAsyncIterator(), limit: self.limit)
    }
}

/// More than a ``LimitedBody``'s limit arrived.
struct BodyLimitExceeded: Error, Equatable {
    let limit: Int64
}
