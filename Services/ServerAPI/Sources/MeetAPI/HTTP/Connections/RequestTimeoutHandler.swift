import Logging
import Metrics
import NIOCore
import HTTPTypes
import NIOHTTPTypes

/// Closes a connection whose client is too slow: headers, body or idle
/// keep-alive past their ``ConnectionTimeouts`` (see ``RequestDeadlines``).
///
/// Sits after Hummingbird's HTTP decoder, where it sees request heads and
/// ends and response ends; on being added it puts a ``ByteObserver`` at the
/// front of the pipeline, where it sees raw bytes (a request head that is
/// still arriving has not been decoded into anything yet). Each close is
/// counted in `meet_api_connection_timeouts_total{phase}`.
final class RequestTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var deadlines: RequestDeadlines
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var context: ChannelHandlerContext?

    init(timeouts: ConnectionTimeouts) {
        self.deadlines = RequestDeadlines(timeouts: timeouts, now: .now())
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let observer = ByteObserver(owner: self)
        try? context.pipeline.syncOperations.addHandler(observer, position: .first)
        self.reschedule()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head): self.deadlines.headReceived(now: .now(), upload: Self.isUpload(head))
        case .body: break
        case .end: self.deadlines.endReceived(now: .now())
        }
        self.reschedule()
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = self.unwrapOutboundIn(data) {
            self.deadlines.responseEnded(now: .now())
            self.reschedule()
        }
        context.write(data, promise: promise)
    }

    /// A file upload (`POST /v1/meetings/{code}/attachments` with a bearer),
    /// whose body gets ``ConnectionTimeouts/upload`` as long as it keeps
    /// coming. A request without credentials is refused before its body is
    /// read, so it keeps the ordinary body deadline.
    static func isUpload(_ head: HTTPRequest) -> Bool {
        guard head.method == .post, head.headerFields[.authorization] != nil, let path = head.path else { return false }
        let parts = (path.split(separator: "?", maxSplits: 1).first ?? "").split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 5 && parts[0].isEmpty && parts[1] == "v1" && parts[2] == "meetings" && !parts[3].isEmpty
            && parts[4] == "attachments"
    }

    /// Called by the ``ByteObserver`` for every read from the socket.
    fileprivate func bytesReceived() {
        self.deadlines.bytesReceived(now: .now())
        self.reschedule()
    }

    /// Keeps one timer, at the earliest deadline; a later deadline is
    /// picked up when the earlier timer fires.
    private func reschedule() {
        guard let context, let deadline = self.deadlines.deadline?.at else { return }
        if let current = self.timerDeadline, self.timer != nil, current <= deadline { return }
        self.timer?.cancel()
        self.timerDeadline = deadline
        self.timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) { [weak self] in
            self?.timerFired()
        }
    }

    private func timerFired() {
        self.timer = nil
        self.timerDeadline = nil
        guard let context else { return }
        if let phase = self.deadlines.expired(now: .now()) {
            Counter(label: "meet_api_connection_timeouts_total", dimensions: [("phase", phase.rawValue)]).increment()
            context.close(promise: nil)
            return
        }
        self.reschedule()
    }
}

/// Tells its ``RequestTimeoutHandler`` when bytes arrive, before any decoding.
private final class ByteObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private weak var owner: RequestTimeoutHandler?

    init(owner: RequestTimeoutHandler) {
        self.owner = owner
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.owner?.bytesReceived()
        context.fireChannelRead(data)
    }
}
