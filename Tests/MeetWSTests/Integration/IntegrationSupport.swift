import Foundation
import MeetProtocol

/// Helpers shared by the integration suites.
extension SignalClient {
    /// Connects and sends `join`; returns the client and the reply (`joined` or `waiting`).
    static func joined(
        _ cluster: Cluster, replica: Int, _ joined: APIClient.Joined, name: String, expect type: String = "joined"
    ) async throws -> (SignalClient, ServerEnvelope) {
        let client = try await SignalClient.connect(cluster.wsURL(replica), token: joined.token, name: name)
        client.send(.join, id: "join-\(name)")
        let reply = try await client.expect(type)
        guard reply.id == "join-\(name)" else { throw ClusterError("\(name): join reply without the request id") }
        return (client, reply)
    }
}

extension SignalClient {
    /// The next frame of `type`, skipping any other (events that may interleave).
    @discardableResult
    func first(_ type: String, within timeout: Duration = .seconds(15)) async throws -> ServerEnvelope {
        while true {
            let frame = try await self.next(within: timeout)
            if frame.message.type == type { return frame }
        }
    }
}

extension ServerEnvelope {
    var joinedParticipant: ParticipantInfo? {
        if case .participantJoined(let event) = self.message { return event.participant }
        return nil
    }

    var chatMessage: ChatMessage? {
        if case .chat(let message) = self.message { return message }
        return nil
    }
}
