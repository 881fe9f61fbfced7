public import Hummingbird
import NIOCore

/// The per-request context of meet-api: Hummingbird's core storage plus
/// what the middleware learns once per request, so routes never work it
/// out again: the client's address (``ClientAddressMiddleware``) and who the
/// bearer token stands for (``BearerAuthenticator``).
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address; `nil` in router tests (no socket).
    public let peerAddress: String?
    /// The address rate limits and bans are keyed on, set by
    /// ``ClientAddressMiddleware``: the peer, or the proxy's last
    /// `X-Forwarded-For` hop behind a trusted proxy; `unknown` in router
    /// tests (every request shares one bucket).
    public internal(set) var clientAddress: String
    /// What the `Authorization` header proved, set by ``BearerAuthenticator``
    /// on the routes that read it; ``Bearer/absent`` elsewhere.
    var bearer: Bearer = .absent

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peerAddress = source.channel.remoteAddress?.ipAddress
        self.clientAddress = self.peerAddress ?? "unknown"
    }
}
