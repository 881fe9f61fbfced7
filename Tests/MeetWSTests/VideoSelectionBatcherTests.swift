import MeetProtocol
import NIOConcurrencyHelpers
import Testing
@testable import MeetWS

/// Sessions moved by the same event share one `sfu.set-video-selection` per node.
@Suite struct VideoSelectionBatcherTests {
    final class Node: Sendable {
        let requests = NIOLockedValueBox<[(node: String, transports: [String])]>([])
        let applies: Bool
        init(applies: Bool = true) { self.applies = applies }
        func send(_ nodeId: String, _ request: SetVideoSelectionRequest) async -> Bool {
            requests.withLockedValue { $0.append((nodeId, request.selections.map(\.transportId))) }
            return applies
        }
    }

    static func selection(_ transportId: String, _ targets: Int = 1) -> SFUVideoSelection {
        SFUVideoSelection(transportId: transportId, forward: (0..<targets).map {
            SFUVideoTarget(participantId: "p\($0)", source: .camera, maxHeight: 180)
        })
    }

    @Test func sessionsOfOneRoundShareOneRequestPerNode() async {
        let node = Node()
        // A window far longer than the submits take: they all land in one batch per node.
        let batcher = VideoSelectionBatcher(window: .seconds(1)) { await node.send($0, $1) }
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask { await batcher.submit([Self.selection("t\(index)")], node: index % 2 == 0 ? "n1" : "n2") }
            }
            group.addTask { await batcher.submit([Self.selection("t0", 2)], node: "n1") } // t0 again: its latest wins
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 21 && results.allSatisfy { $0 })
        let requests = node.requests.withLockedValue { $0 }
        #expect(requests.count == 2)
        #expect(Set(requests.map(\.node)) == ["n1", "n2"])
        #expect(requests.first { $0.node == "n1" }?.transports.count == 10, "t0 once")
        #expect(await batcher.requestsSent == 2)
    }

    @Test func aFullBatchGoesAtOnceAndAFailureReachesEverySession() async {
        let node = Node(applies: false)
        let batcher = VideoSelectionBatcher(window: .seconds(30), maxSelections: 4) { await node.send($0, $1) }
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<8 { group.addTask { await batcher.submit([Self.selection("t\(index)")], node: "n1") } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        // Two full batches of four went without waiting for the 30 s window; neither was applied.
        #expect(results == Array(repeating: false, count: 8))
        #expect(node.requests.withLockedValue { $0.map(\.transports.count) } == [4, 4])
    }
}
