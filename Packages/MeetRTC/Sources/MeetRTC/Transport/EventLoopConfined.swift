public import NIOCore

/// A class whose mutable state belongs to one event loop: the loop of the
/// `RTCSocket` it serves, where the socket's channel handler, every
/// `PeerConnection` callback and every timer run. Such a class may be
/// `@unchecked Sendable` so that a reference can travel (into a timer, an
/// `EventLoop.submit` closure, another task), but its state is read and
/// written on ``eventLoop`` only, and the entry points check that.
///
/// Why checked confinement and not `NIOLoopBound` around the state: the
/// per-packet path (receive → unprotect → route → protect → send) crosses
/// these classes for every datagram, and a `NIOLoopBound` checks the loop in
/// every build on every access. ``assertOnOwningLoop(file:line:)`` is an
/// `assert`: debug builds (every test and end-to-end run) trap on a call
/// from another thread, release builds compile it away, so the forwarding
/// path pays nothing. Rare entry points (signaling, close) use
/// `preconditionInEventLoop()`, which checks in every build.
public protocol EventLoopConfined: AnyObject {
    /// The loop that owns the state.
    var eventLoop: any EventLoop { get }
}

extension EventLoopConfined {
    /// True on the owning loop: what the checks assert (tests ask it off the loop).
    @inlinable
    public var isOnOwningLoop: Bool { eventLoop.inEventLoop }

    /// Traps in debug builds when called off ``eventLoop``; nothing in release
    /// (the per-packet path may call it).
    @inlinable
    public func assertOnOwningLoop(file: StaticString = #fileID, line: UInt = #line) {
        assert(isOnOwningLoop, "\(Self.self) used off its event loop", file: file, line: line)
    }
}
