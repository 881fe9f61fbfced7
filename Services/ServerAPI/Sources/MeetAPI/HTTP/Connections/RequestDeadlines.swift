public import NIOCore

/// How long a meet-api connection may take over each part of an exchange
/// (`MEET_API_*_TIMEOUT_SECONDS`, see docs/configuration.md).
public struct ConnectionTimeouts: Sendable, Equatable {
    /// From a request's first byte to the end of its header block.
    public var header: TimeAmount
    /// From the end of the headers to the end of the body, however slowly it trickles.
    public var body: TimeAmount
    /// With no request in progress (keep-alive), before the first byte of the next one.
    public var idle: TimeAmount
    /// ``body`` for a file upload (`POST …/attachments`): megabytes, on whatever uplink the sender has.
    public var upload: TimeAmount

    public init(
        header: TimeAmount = .seconds(10), body: TimeAmount = .seconds(30), idle: TimeAmount = .seconds(75),
        upload: TimeAmount = .seconds(600)
    ) {
        self.header = header
        self.body = body
        self.idle = idle
        self.upload = upload
    }
}

/// The deadlines of one HTTP/1.1 connection, as a sans-I/O state machine:
/// ``RequestTimeoutHandler`` feeds it what it sees (raw bytes, request head
/// and end, response end) with the current time, and closes the connection
/// when ``deadline`` passes. Nothing here reads a clock.
///
/// A deadline holds for a whole phase, not between bytes: a client that
/// sends one byte a second still runs out of time (slowloris, slow bodies).
/// While a request is being answered only the route's own timeouts apply.
struct RequestDeadlines {
    /// Which timeout ran out.
    enum Phase: String, Sendable {
        case header, body, idle
    }

    let timeouts: ConnectionTimeouts
    /// Since when bytes of a request head are arriving, if one is.
    private var headStarted: NIODeadline?
    /// Since when the current request's body is being read, if it is.
    private var bodyStarted: NIODeadline?
    /// How long the current request's body may take (``ConnectionTimeouts/body`` or ``ConnectionTimeouts/upload``).
    private var bodyTimeout: TimeAmount
    /// An upload's body: besides its total, no gap between bytes longer
    /// than ``ConnectionTimeouts/body`` (a stalled upload ends like a slow body).
    private var uploading = false
    /// When the last bytes arrived while a body was being read.
    private var lastBodyBytes: NIODeadline?
    /// Requests whose response has not ended yet.
    private var awaitingResponse = 0
    /// Since when nothing is in progress.
    private var idleSince: NIODeadline

    init(timeouts: ConnectionTimeouts, now: NIODeadline) {
        self.timeouts = timeouts
        self.idleSince = now
        self.bodyTimeout = timeouts.body
    }

    /// Bytes arrived from the client (before HTTP decoding).
    mutating func bytesReceived(now: NIODeadline) {
        if self.bodyStarted == nil, self.headStarted == nil {
            self.headStarted = now
        }
        if self.bodyStarted != nil { self.lastBodyBytes = now }
    }

    /// A complete request head was decoded; `upload`: its body is a file
    /// (``ConnectionTimeouts/upload`` instead of ``ConnectionTimeouts/body``).
    mutating func headReceived(now: NIODeadline, upload: Bool = false) {
        self.headStarted = nil
        self.bodyStarted = now
        self.bodyTimeout = upload ? self.timeouts.upload : self.timeouts.body
        self.uploading = upload
        self.lastBodyBytes = now
        self.awaitingResponse += 1
    }

    /// The request's body ended.
    mutating func endReceived(now: NIODeadline) {
        self.bodyStarted = nil
        if self.awaitingResponse == 0 { self.idleSince = now }
    }

    /// A response was written to its end (possibly before its request's body ended).
    mutating func responseEnded(now: NIODeadline) {
        self.awaitingResponse = max(0, self.awaitingResponse - 1)
        if self.awaitingResponse == 0 { self.idleSince = now }
    }

    /// The earliest deadline now running and its phase; `nil` while only a
    /// response is being prepared.
    var deadline: (phase: Phase, at: NIODeadline)? {
        var earliest: (phase: Phase, at: NIODeadline)?
        func consider(_ phase: Phase, _ at: NIODeadline) {
            if earliest == nil || at < earliest!.at { earliest = (phase, at) }
        }
        if let headStarted { consider(.header, headStarted + self.timeouts.header) }
        if let bodyStarted {
            consider(.body, bodyStarted + self.bodyTimeout)
            if self.uploading, let lastBodyBytes { consider(.body, lastBodyBytes + self.timeouts.body) }
        }
        if self.headStarted == nil, self.bodyStarted == nil, self.awaitingResponse == 0 {
            consider(.idle, self.idleSince + self.timeouts.idle)
        }
        return earliest
    }

    /// The phase whose deadline has passed at `now`, if any.
    func expired(now: NIODeadline) -> Phase? {
        guard let deadline = self.deadline, now >= deadline.at else { return nil }
        return deadline.phase
    }
}
