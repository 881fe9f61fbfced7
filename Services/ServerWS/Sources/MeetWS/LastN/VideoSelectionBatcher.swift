import MeetProtocol

/// One `sfu.set-video-selection` per node per round for the whole replica
/// (#15 item 3): every session resolves its own selection, but a round that
/// moves many of them at once (an `active-speakers` change reaches every
/// socket of the room together) should cost each node one bus request, not
/// one per socket. A session's changed selections for a node wait here for
/// at most `window`; the first to arrive starts the window, the request
/// carries all of them, and each session learns whether it was applied.
///
/// Bounded: a batch holds at most `maxSelections` (then it is sent at once
/// and a new one starts); a connection named twice in one batch keeps its
/// latest selection only.
actor VideoSelectionBatcher {
    typealias Send = @Sendable (_ nodeId: String, _ request: SetVideoSelectionRequest) async -> Bool

    private struct Batch {
        var selections: [String: SFUVideoSelection] = [:]
        var order: [String] = []
        var waiters: [CheckedContinuation<Bool, Never>] = []
        let generation: Int
    }

    let window: Duration
    let maxSelections: Int
    private let send: Send
    private var batches: [String: Batch] = [:]
    private var generation = 0
    /// Requests sent (tests, metrics).
    private(set) var requestsSent = 0

    init(window: Duration = .milliseconds(10), maxSelections: Int = 256, send: @escaping Send) {
        self.window = window
        self.maxSelections = max(1, maxSelections)
        self.send = send
    }

    /// Adds `selections` to `nodeId`'s next request; returns whether the node applied it.
    func submit(_ selections: [SFUVideoSelection], node nodeId: String) async -> Bool {
        await withCheckedContinuation { continuation in
            if batches[nodeId] == nil {
                generation += 1
                let started = generation
                batches[nodeId] = Batch(generation: started)
                Task { [window] in
                    try? await Task.sleep(for: window)
                    await self.flush(nodeId, generation: started)
                }
            }
            for selection in selections {
                if batches[nodeId]?.selections.updateValue(selection, forKey: selection.transportId) == nil {
                    batches[nodeId]?.order.append(selection.transportId)
                }
            }
            batches[nodeId]?.waiters.append(continuation)
            // Full: it goes now (taken out at once, so the next session starts a new batch).
            if let batch = batches[nodeId], batch.order.count >= maxSelections, let full = take(nodeId, generation: batch.generation) {
                Task { await self.deliver(full, to: nodeId) }
            }
        }
    }

    /// The window ended: sends `nodeId`'s batch of `generation` (not a newer one).
    private func flush(_ nodeId: String, generation: Int) async {
        guard let batch = take(nodeId, generation: generation) else { return }
        await deliver(batch, to: nodeId)
    }

    private func take(_ nodeId: String, generation: Int) -> Batch? {
        guard let batch = batches[nodeId], batch.generation == generation else { return nil }
        batches[nodeId] = nil
        return batch
    }

    /// One request with the batch's selections; every session in it learns the outcome.
    private func deliver(_ batch: Batch, to nodeId: String) async {
        requestsSent += 1
        let request = SetVideoSelectionRequest(selections: batch.order.compactMap { batch.selections[$0] })
        let applied = await send(nodeId, request)
        for waiter in batch.waiters { waiter.resume(returning: applied) }
    }
}
