import Logging
import Metrics
import NIOCore

/// Sending: every datagram of the socket (STUN, DTLS, SRTP, SRTCP) is copied
/// into the socket's ``DatagramBatchWriter`` and leaves with `sendmmsg(2)`:
/// at the end of the current read batch when written while reading (a
/// fan-out goes to the kernel in one call), at once otherwise (timers,
/// application sends), or when the writer is full. Only a datagram larger
/// than a writer slot, a platform without `sendmmsg`, or the rest of a batch
/// the kernel had no room for (back-pressure) takes NIO's write path, which
/// waits for the socket to be writable. Event loop only.
extension RTCSocket {
    /// Writes one datagram; sent at the end of the current read batch, or
    /// now when called outside one.
    func send(_ buffer: ByteBuffer, to address: SocketAddress) {
        let queued = buffer.withUnsafeReadableBytes { enqueue($0, to: address) }
        if !queued { writeThroughChannel(buffer, to: address) }
    }

    /// Writes a copy of `bytes` (the caller keeps its memory: the SFU's
    /// protected batch slot); sent like ``send(_:to:)``.
    func send(bytes: UnsafeRawBufferPointer, to address: SocketAddress) {
        if !enqueue(bytes, to: address) {
            writeThroughChannel(channel.allocator.buffer(bytes: bytes), to: address)
        }
    }

    /// Sends what the writer holds and what NIO's channel holds; called at
    /// the end of each read batch and before closing.
    func flushWrites() {
        assertOnOwningLoop()
        if let writer, !writer.isEmpty {
            // Back-pressure: what the kernel had no room for waits in NIO's queue
            // for writability (allocating, but only then) instead of being dropped.
            let result = writer.flush { bytes, address in
                self.channel.write(AddressedEnvelope(remoteAddress: address, data: self.channel.allocator.buffer(bytes: bytes)), promise: nil)
                self.needsFlush = true
            }
            if result.dropped > 0 { countSendDrops(result) }
            if result.deferred > 0 { metrics.sendDeferred.increment(by: Int64(result.deferred)) }
        }
        if needsFlush {
            needsFlush = false
            channel.flush()
        }
    }

    /// Queues `bytes` in the writer (flushing it first when full, and after
    /// when not in a read batch). False when the writer cannot take it.
    private func enqueue(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress) -> Bool {
        // NIO's write hopped threads by itself; the writer has no lock (debug builds check).
        assertOnOwningLoop()
        guard let writer, writer.isOpen, bytes.count <= writer.slotSize else { return false }
        metrics.datagramsOut.increment()
        if writer.isFull { flushWrites() }
        writer.append(bytes, to: address)
        if !inReadBatch { flushWrites() }
        return true
    }

    private func writeThroughChannel(_ buffer: ByteBuffer, to address: SocketAddress) {
        metrics.datagramsOut.increment()
        let envelope = AddressedEnvelope(remoteAddress: address, data: buffer)
        if inReadBatch {
            channel.write(envelope, promise: nil)
            needsFlush = true
        } else {
            channel.writeAndFlush(envelope, promise: nil)
        }
    }

    private func countSendDrops(_ result: DatagramBatchWriter.FlushResult) {
        sendDropCount += result.dropped
        metrics.sendDrops.increment(by: Int64(result.dropped))
        logger.debug("datagrams dropped on send", metadata: [
            "dropped": "\(result.dropped)", "sent": "\(result.sent)", "errno": "\(result.error)",
        ])
    }
}
