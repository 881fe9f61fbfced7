import Foundation
import MeetProtocol
import Testing
@testable import MeetWS

/// The whiteboard's frames in ``SessionMachine``: shape checked before
/// anything is stored, and buckets of their own beside the socket's rate.
extension SessionMachineTests {
    @Test func whiteboardOpsAreCheckedAndHaveTheirOwnRate() {
        let machine = self.machine()
        _ = machine.receive(self.frame(.join), now: self.start)
        machine.joined(waiting: false)
        let bad = ClientMessage.whiteboardOp(WhiteboardOp(kind: .stroke, points: [1, 1]))
        #expect(self.errorCode(machine.receive(self.frame(bad), now: self.start)) == .invalidData)
        let negative = ClientMessage.whiteboardSync(WhiteboardSyncRequest(since: -1))
        #expect(self.errorCode(machine.receive(self.frame(negative), now: self.start)) == .invalidData)

        let op = ClientMessage.whiteboardOp(WhiteboardOp(kind: .line, points: [0, 0, 5, 5]))
        for _ in 0..<WhiteboardOp.burst {
            #expect(machine.receive(self.frame(op), now: self.start) == .execute(ClientEnvelope(id: "r", op)))
        }
        #expect(self.errorCode(machine.receive(self.frame(op), now: self.start)) == .rateLimited)
        // A sync and other messages still pass; a tenth of a second brings back one op.
        let sync = ClientMessage.whiteboardSync(WhiteboardSyncRequest())
        #expect(machine.receive(self.frame(sync), now: self.start) == .execute(ClientEnvelope(id: "r", sync)))
        #expect(machine.receive(self.frame(op), now: self.start + .milliseconds(100)) == .execute(ClientEnvelope(id: "r", op)))

        // Syncs (each may send the whole board) have a smaller bucket still.
        for _ in 1..<WhiteboardSyncRequest.burst {
            #expect(machine.receive(self.frame(sync), now: self.start) == .execute(ClientEnvelope(id: "r", sync)))
        }
        #expect(self.errorCode(machine.receive(self.frame(sync), now: self.start)) == .rateLimited)
        #expect(machine.receive(self.frame(sync), now: self.start + .seconds(1)) == .execute(ClientEnvelope(id: "r", sync)))
    }
}
