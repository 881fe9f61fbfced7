import Foundation
import Hummingbird

extension APIRequestContext {
    /// The address rate limits are keyed on.
    ///
    /// The socket's peer, unless `trustProxy` is set (meet-api behind a load
    /// balancer), in which case the first `X-Forwarded-For` entry wins.
    /// Without either (router tests) every request shares one bucket.
    func clientAddress(for request: Request, trustProxy: Bool) -> String {
        if trustProxy,
            let forwarded = request.headers.first(where: { $0.name.canonicalName == "x-forwarded-for" })?.value,
            let first = forwarded.split(separator: ",").first?.trimmingCharacters(in: .whitespaces),
            !first.isEmpty, first.utf8.count <= 64
        {
            return first
        }
        return self.peerAddress ?? "unknown"
    }
}
