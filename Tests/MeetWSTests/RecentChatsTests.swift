import Foundation
import MeetProtocol
import Testing
@testable import MeetWS

/// ``RecentChats``: each chat id is delivered once (a replay after a bus
/// outage, a second outbox send), within a bounded memory.
@Suite struct RecentChatsTests {
    @Test func eachIdOnceAndTheOldestForgottenPastTheBound() {
        var recent = RecentChats(capacity: 3)
        let firsts = ["1", "2", "3"].map { recent.insert($0) }
        let again = recent.insert("2")
        let fourth = recent.insert("4")  // "1" is forgotten
        let oneAgain = recent.insert("1")
        let fourAgain = recent.insert("4")
        #expect(firsts == [true, true, true] && !again && fourth)
        #expect(oneAgain && !fourAgain)
    }

    @Test func readsTheIdOfAChatFrameOnly() {
        let chat = ChatMessage(
            id: "42", participantId: UUID(), userId: nil, displayName: "A", body: "hi", createdAt: Date(timeIntervalSince1970: 0))
        func event(_ message: ServerMessage) -> RoomBusMessage {
            RoomBusMessage(
                meetingId: UUID(), origin: "r", sentAtMs: 0, audience: .participants, exclude: nil, type: message.type,
                frame: SignalingCodec.encode(ServerEnvelope(message)))
        }
        #expect(RecentChats.chatId(of: event(.chat(chat))) == "42")
        #expect(RecentChats.chatId(of: event(.meetingEnded(Removal(by: nil)))) == nil)
    }
}
