import MeetProtocol
import MeetRTC
import NIOConcurrencyHelpers
import NIOCore

/// A node's workers (`MEET_SFU_WORKERS`, docs/dev/sfu-workers.md): one
/// ``TransportManager`` per event loop, each with its own socket of the
/// node's ``RTCSocketGroup`` (one UDP port), forwarding plane, registry and
/// RTCP timer. A worker never touches another's state; the only crossing is
/// the socket group's hand-off of datagrams that the kernel delivered to the
/// wrong worker's socket.
///
/// Placement, so that a publisher and its subscribers share a loop and a
/// packet is forwarded where it arrives:
/// - a publisher goes to its room's worker (``WorkerPlacement``: the least
///   loaded when the room is new here, sticky while it has publishers);
/// - a subscriber to the worker of the publisher it follows; a node
///   connection (`perNode`) stays where it was made, and the publishers added
///   to it later are of the same room, so of the same worker.
///
/// Requests naming a transport go to the worker that holds it (asked in
/// turn: one loop hop per worker, control path only). Node-wide requests
/// (close a participant, mute, drain, counts) go to every worker and add up.
final class TransportWorkers: NodeTransports {
    let workers: [TransportManager]
    let sockets: RTCSocketGroup
    private let placement: WorkerPlacement
    /// Each worker's transport count, for the node-wide count observer.
    private let counts: NIOLockedValueBox<[Int]>

    init(workers: [TransportManager], sockets: RTCSocketGroup) {
        precondition(!workers.isEmpty, "a node needs a worker")
        self.workers = workers
        self.sockets = sockets
        self.placement = WorkerPlacement(workers: workers.count)
        self.counts = NIOLockedValueBox(Array(repeating: 0, count: workers.count))
    }

    var eventLoops: [any EventLoop] { workers.map(\.eventLoop) }
    var localAddress: SocketAddress { sockets.localAddress }

    // MARK: Placement

    /// The worker holding `transportId`; the first when none does, so that
    /// its own answer (`unknown_transport`, `draining`) is the node's.
    private func owner(of transportId: String) async -> TransportManager {
        for worker in workers {
            if await worker.holds(transportId: transportId) { return worker }
        }
        return workers[0]
    }

    private func loads() async -> [Int] {
        var loads: [Int] = []
        for worker in workers { loads.append(await worker.transportCount) }
        return loads
    }

    // MARK: Requests

    func createPublisher(_ request: CreatePublisherRequest) async throws -> CreatePublisherReply {
        let index = await placement.worker(forRoom: request.roomId) { await self.loads() }
        let reply = try await workers[index].createPublisher(request)
        if await placement.needsPruning {
            var live = Set<String>()
            for worker in workers { live.formUnion(await worker.rooms()) }
            await placement.keep(rooms: live)
        }
        return reply
    }

    func createSubscriber(_ request: CreateSubscriberRequest) async throws -> CreateSubscriberReply {
        if request.perNode == true, let transportId = request.transportId {
            return try await owner(of: transportId).createSubscriber(request)
        }
        for worker in workers {
            if await worker.hasNewestPublisher(of: request.publisherParticipantId) { return try await worker.createSubscriber(request) }
        }
        // Its own refusal (`unknown_publisher`, or `draining` first).
        return try await workers[0].createSubscriber(request)
    }

    func acceptSubscriberAnswer(_ request: SubscriberAnswerRequest) async throws {
        try await owner(of: request.transportId).acceptSubscriberAnswer(request)
    }

    func renegotiatePublisher(_ request: RenegotiatePublisherRequest) async throws -> CreatePublisherReply {
        try await owner(of: request.transportId).renegotiatePublisher(request)
    }

    func renegotiateSubscriber(_ request: RenegotiateSubscriberRequest) async throws -> CreateSubscriberReply {
        try await owner(of: request.transportId).renegotiateSubscriber(request)
    }

    func removeSubscription(_ request: RemoveSubscriptionRequest) async throws -> RemoveSubscriptionReply {
        try await owner(of: request.transportId).removeSubscription(request)
    }

    func close(transportId: String) async throws -> Int {
        try await owner(of: transportId).close(transportId: transportId)
    }

    func retire(transportId: String) async throws -> Int {
        try await owner(of: transportId).retire(transportId: transportId)
    }

    func setMute(_ request: SetMuteRequest) async throws -> SetMuteReply {
        var tracks = 0
        for worker in workers { tracks += try await worker.setMute(request).tracks }
        return SetMuteReply(tracks: tracks)
    }

    /// Each worker applies the selections of the connections it holds (it
    /// skips the others as unknown); applied is the union.
    func setVideoSelection(_ request: SetVideoSelectionRequest) async throws -> SetVideoSelectionReply {
        var applied: [String] = []
        for worker in workers { applied += try await worker.setVideoSelection(request).applied }
        return SetVideoSelectionReply(applied: applied)
    }

    func close(participantId: String) async throws -> Int {
        var closed = 0
        for worker in workers { closed += try await worker.close(participantId: participantId) }
        return closed
    }

    // MARK: Node-wide state

    func startDraining() async {
        for worker in workers { await worker.startDraining() }
    }

    var isDraining: Bool {
        get async {
            for worker in workers {
                if await !worker.isDraining { return false }
            }
            return true
        }
    }

    var transportCount: Int {
        get async { await loads().reduce(0, +) }
    }

    /// Calls `observer` with the node's total after every change on any worker.
    func observeTransportCount(_ observer: @escaping TransportManager.CountObserver) async -> Int {
        let counts = counts
        for (index, worker) in workers.enumerated() {
            let count = await worker.observeTransportCount { count in
                let total = counts.withLockedValue { counts in
                    counts[index] = count
                    return counts.reduce(0, +)
                }
                observer(total)
            }
            counts.withLockedValue { $0[index] = count }
        }
        return counts.withLockedValue { $0.reduce(0, +) }
    }

    func snapshot() async throws -> TransportSnapshot {
        var total = TransportSnapshot(
            publishers: 0, subscribers: 0, packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0, draining: true)
        for worker in workers {
            let one = try await worker.snapshot()
            total.publishers += one.publishers
            total.subscribers += one.subscribers
            total.packetsIn += one.packetsIn
            total.bytesIn += one.bytesIn
            total.packetsOut += one.packetsOut
            total.bytesOut += one.bytesOut
            total.draining = total.draining && one.draining
        }
        return total
    }

    func closeAll() async {
        for worker in workers { await worker.closeAll() }
    }
}
