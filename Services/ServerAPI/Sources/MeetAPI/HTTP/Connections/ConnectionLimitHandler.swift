import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTPTypes

/// Open connections per client address, shared by every connection of one
/// server.
final class ConnectionCounts: Sendable {
    /// Most connections one address may hold open; 0 means no limit.
    let limit: Int
    private let counts = NIOLockedValueBox<[String: Int]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    /// Counts a connection from `address`; `false` (and not counted) when the
    /// address already holds ``limit``.
    func open(_ address: String) -> Bool {
        self.counts.withLockedValue { counts in
            let current = counts[address, default: 0]
            guard self.limit == 0 || current < self.limit else { return false }
            counts[address] = current + 1
            return true
        }
    }

    func close(_ address: String) {
        self.counts.withLockedValue { counts in
            let remaining = counts[address, default: 0] - 1
            counts[address] = remaining > 0 ? remaining : nil
        }
    }

    /// Open connections from `address` (for tests).
    func count(_ address: String) -> Int {
        self.counts.withLockedValue { $0[address, default: 0] }
    }
}

/// Refuses (closes at once) a connection from an address that already holds
/// ``ConnectionCounts/limit`` open connections, so one client cannot use up
/// the process's file descriptors. Counted in
/// `meet_api_connections_refused_total`.
///
/// The address is the socket's peer: behind a load balancer that is the
/// balancer, which is why the limit is off by default with `MEET_TRUST_PROXY`.
final class ConnectionLimitHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let counts: ConnectionCounts
    /// The address this connection is counted under, once counted.
    private var counted: String?
    private var decided = false

    init(counts: ConnectionCounts) {
        self.counts = counts
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.admit(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.admit(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.release()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.release()
    }

    private func admit(context: ChannelHandlerContext) {
        guard !self.decided else { return }
        self.decided = true
        guard self.counts.limit > 0, let address = context.channel.remoteAddress?.ipAddress else { return }
        if self.counts.open(address) {
            self.counted = address
        } else {
            Counter(label: "meet_api_connections_refused_total").increment()
            context.close(promise: nil)
        }
    }

    private func release() {
        if let address = self.counted {
            self.counted = nil
            self.counts.close(address)
        }
    }
}
