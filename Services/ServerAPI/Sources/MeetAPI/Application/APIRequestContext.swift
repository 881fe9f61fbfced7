import Hummingbird
import NIOCore

/// The per-request context of meet-api: Hummingbird's core storage plus the
/// client's address (for rate limiting).
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address; `nil` in router tests (no socket).
    public let peerAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peerAddress = source.channel.remoteAddress?.ipAddress
    }
}
