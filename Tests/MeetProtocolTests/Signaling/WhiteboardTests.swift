import Foundation
import MeetProtocol
import Testing

/// Whiteboard ops: their bounds, their wire form, and the fold every
/// replica runs (docs/signaling.md, Whiteboard).
@Suite struct WhiteboardTests {
    static let who = UUID()
    static let when = Date(timeIntervalSince1970: 1_700_000_000)

    static func event(_ seq: Int64, _ op: WhiteboardOp) -> WhiteboardOpEvent {
        WhiteboardOpEvent(seq: seq, participantId: Self.who, op: op, createdAt: Self.when)
    }

    static func stroke(_ x: Int) -> WhiteboardOp { WhiteboardOp(kind: .stroke, points: [x, 0, x + 1, 1]) }

    @Test func wellFormedOpsPass() {
        let good: [WhiteboardOp] = [
            Self.stroke(0), WhiteboardOp(kind: .line, points: [0, 0, 1600, 900], color: "#A0b1C2", width: 64),
            WhiteboardOp(kind: .rect, points: [5, 5, 1, 1]), WhiteboardOp(kind: .ellipse, points: [1, 2, 3, 4]),
            WhiteboardOp(kind: .text, points: [10, 10], text: "héllo", size: 200), WhiteboardOp(kind: .erase, target: 3),
            WhiteboardOp(kind: .clear), WhiteboardOp(kind: .lock), WhiteboardOp(kind: .unlock),
            WhiteboardOp(kind: .stroke, points: Array(repeating: 900, count: WhiteboardOp.maxPoints * 2)),
        ]
        for op in good { #expect(op.problem == nil, "\(op)") }
    }

    @Test func badOpsAreRefusedNamingTheField() {
        let bad: [(WhiteboardOp, String)] = [
            (WhiteboardOp(kind: .stroke, points: [0, 0]), "points"),
            (WhiteboardOp(kind: .stroke, points: Array(repeating: 1, count: (WhiteboardOp.maxPoints + 1) * 2)), "points"),
            (WhiteboardOp(kind: .stroke, points: [0, 0, 1]), "pairs"),
            (WhiteboardOp(kind: .stroke, points: [0, 0, 1601, 0]), "board"),
            (WhiteboardOp(kind: .stroke, points: [0, 0, 1, -1]), "board"),
            (WhiteboardOp(kind: .line, points: [0, 0, 1, 1, 2, 2]), "exactly 2"),
            (WhiteboardOp(kind: .line, points: [0, 0, 1, 1], color: "red"), "color"),
            (WhiteboardOp(kind: .line, points: [0, 0, 1, 1], color: "#12345g"), "color"),
            (WhiteboardOp(kind: .line, points: [0, 0, 1, 1], width: 0), "width"),
            (WhiteboardOp(kind: .text, points: [1, 1], text: "  "), "text"),
            (WhiteboardOp(kind: .text, points: [1, 1], text: String(repeating: "x", count: WhiteboardOp.maxTextLength + 1)), "text"),
            (WhiteboardOp(kind: .text, points: [1, 1], text: "a", size: 7), "size"),
            (WhiteboardOp(kind: .erase), "target"),
            (WhiteboardOp(kind: .erase, target: 0), "target"),
            (WhiteboardOp(kind: .clear, points: [1, 1]), "carries"),
            (WhiteboardOp(kind: .stroke, points: [0, 0, 1, 1], target: 2), "target"),
            (WhiteboardOp(kind: .rect, points: [0, 0, 1, 1], text: "x"), "text"),
        ]
        for (op, field) in bad {
            let problem = op.problem
            #expect(problem?.contains(field) == true, "\(op): \(problem ?? "accepted")")
        }
    }

    @Test func clientFramesDecode() throws {
        let text = ##"{"type":"whiteboard-op","id":"1","data":{"kind":"line","points":[1,2,3,4],"color":"#000000"}}"##
        #expect(try SignalingCodec.decodeClient(Data(text.utf8)).message
            == .whiteboardOp(WhiteboardOp(kind: .line, points: [1, 2, 3, 4], color: "#000000")))
        #expect(try SignalingCodec.decodeClient(Data(#"{"type":"whiteboard-sync"}"#.utf8)).message == .whiteboardSync(WhiteboardSyncRequest()))
        #expect(try SignalingCodec.decodeClient(Data(#"{"type":"whiteboard-sync","data":{"since":4}}"#.utf8)).message
            == .whiteboardSync(WhiteboardSyncRequest(since: 4)))
        // A float where an integer belongs, or an unknown kind: `invalid_data` naming the field.
        let bad = [
            (#"{"kind":"line","points":[1.5,2,3,4]}"#, "data.points"), (#"{"kind":"text","points":[1,1],"size":9.5}"#, "data.size"),
            (#"{"kind":"erase","target":"3"}"#, "data.target"), (#"{"kind":"blob"}"#, "data.kind"),
        ]
        for (data, field) in bad {
            let frame = #"{"type":"whiteboard-op","id":"x","data":\#(data)}"#
            #expect(throws: ClientDecodeError.self) { try SignalingCodec.decodeClient(Data(frame.utf8)) }
            do {
                _ = try SignalingCodec.decodeClient(Data(frame.utf8))
            } catch {
                #expect(error.error.code == .invalidData && error.error.message.contains(field), "\(error.error.message)")
            }
        }
        for message in [ClientMessage.whiteboardOp(Self.stroke(3)), .whiteboardSync(WhiteboardSyncRequest(since: 9))] {
            let round = try SignalingCodec.decodeClient(Data(SignalingCodec.encode(ClientEnvelope(id: "2", message)).utf8))
            #expect(round == ClientEnvelope(id: "2", message))
        }
    }

    /// Ops 1…n with erases and a clear, delivered in many orders (with
    /// duplicates): every replica that applies them by `seq` ends the same.
    @Test func anyDeliveryOrderConverges() {
        var ops: [WhiteboardOpEvent] = (1...8).map { Self.event(Int64($0), Self.stroke($0)) }
        ops.append(Self.event(9, WhiteboardOp(kind: .erase, target: 3)))
        ops.append(Self.event(10, WhiteboardOp(kind: .lock)))
        ops.append(Self.event(11, WhiteboardOp(kind: .clear)))
        ops.append(contentsOf: (12...15).map { Self.event(Int64($0), Self.stroke($0)) })
        ops.append(Self.event(16, WhiteboardOp(kind: .erase, target: 13)))
        var reference = WhiteboardBoard()
        for op in ops { #expect(reference.receive(op) == false) }
        #expect(reference.items.map(\.seq) == [12, 14, 15] && reference.locked && reference.seq == 16)

        var generator = SeededGenerator(seed: 21)
        for _ in 0..<200 {
            var delivery = ops + ops.prefix(Int.random(in: 0...5, using: &generator))  // some twice
            delivery.shuffle(using: &generator)
            var board = WhiteboardBoard()
            for op in delivery { board.receive(op) }
            #expect(board == reference)
        }
    }

    @Test func aGapAsksForSyncAndTheStateFillsIt() {
        var board = WhiteboardBoard()
        #expect(board.receive(Self.event(1, Self.stroke(1))) == false)
        #expect(board.receive(Self.event(4, Self.stroke(4))) == true)  // 2 and 3 missed
        #expect(board.seq == 1 && board.items.count == 1)
        // The server kept 3 only (2 was erased by 3): the state is complete up to its seq.
        board.load(WhiteboardStateData(
            ops: [Self.event(3, WhiteboardOp(kind: .erase, target: 2))], seq: 3, locked: false, full: false))
        #expect(board.seq == 4 && board.items.map(\.seq) == [1, 4] && board.pending.isEmpty)
    }

    @Test func aFullStateReplacesTheBoard() {
        var board = WhiteboardBoard()
        board.receive(Self.event(1, Self.stroke(1)))
        board.receive(Self.event(2, WhiteboardOp(kind: .lock)))
        // Compacted on the server: a clear at 7 (with the lock still on), then a stroke.
        board.load(WhiteboardStateData(
            ops: [Self.event(7, WhiteboardOp(kind: .clear)), Self.event(8, Self.stroke(8))], seq: 9, locked: true, full: true))
        #expect(board.items.map(\.seq) == [8] && board.locked && board.seq == 9)
        #expect(board.receive(Self.event(10, Self.stroke(10))) == false && board.items.count == 2)
    }

    @Test func heldOpsAreBounded() {
        var board = WhiteboardBoard()
        for seq in 2...(Int64(WhiteboardBoard.maxPending) + 100) { board.receive(Self.event(seq, Self.stroke(1))) }
        #expect(board.pending.count == WhiteboardBoard.maxPending && board.items.isEmpty)
    }
}

/// A small deterministic generator (SplitMix64) so shuffles repeat.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
