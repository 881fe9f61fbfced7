import Foundation
import MeetProtocol

/// The ids of the chat messages this replica delivered lately, so that a
/// message reaching it twice goes to its sessions once (issue #23,
/// finding 3): after its bus subscriptions were cut off, the replica fetches
/// what was stored meanwhile from PostgreSQL (``PresenceMaintenance``), and
/// some of that may have come over the bus as well; the chat outbox may
/// also publish a message whose first fan-out did go out but was not
/// marked so.
///
/// Bounded: the oldest ids are forgotten past `capacity` (a replay reaches
/// back seconds, not thousands of messages).
struct RecentChats: Sendable {
    let capacity: Int
    private var ids: Set<String> = []
    private var order: [String] = []
    private var head = 0

    init(capacity: Int = 4096) {
        self.capacity = max(1, capacity)
    }

    /// Records `id`; false when it was already recorded (a duplicate).
    mutating func insert(_ id: String) -> Bool {
        guard self.ids.insert(id).inserted else { return false }
        if self.order.count < self.capacity {
            self.order.append(id)
        } else {
            self.ids.remove(self.order[self.head])
            self.order[self.head] = id
            self.head = (self.head + 1) % self.capacity
        }
        return true
    }

    /// The chat message id in a room event's frame (`{"type":"chat","data":{"id":…}}`),
    /// nil for any other event or an unreadable frame.
    static func chatId(of message: RoomBusMessage) -> String? {
        guard message.type == "chat" else { return nil }
        return (try? JSONDecoder().decode(ChatFrame.self, from: Data(message.frame.utf8)))?.data.id
    }

    private struct ChatFrame: Decodable {
        struct Body: Decodable { var id: String }
        var data: Body
    }
}
