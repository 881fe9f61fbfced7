import NIOCore

/// What ``TransportWorkers`` asks one worker when it places or finds a
/// transport: control-path questions, one loop hop each.
extension TransportManager {
    /// Whether a publisher or subscriber transport with this id lives here.
    func holds(transportId: String) async -> Bool {
        (try? await loop.submit {
            self.registry.publishers[transportId] != nil || self.registry.subscribers[transportId] != nil
        }.get()) ?? false
    }

    /// Whether the participant's newest publisher transport lives here.
    func hasNewestPublisher(of participantId: String) async -> Bool {
        (try? await loop.submit { self.registry.newestPublisher(of: participantId) != nil }.get()) ?? false
    }

    /// The rooms with a publisher or subscriber transport here (a node
    /// connection keeps its room placed after its publishers left).
    func rooms() async -> Set<String> {
        (try? await loop.submit {
            Set(self.registry.publishers.values.map(\.roomId)).union(self.registry.subscribers.values.map(\.roomId))
        }.get()) ?? []
    }
}
