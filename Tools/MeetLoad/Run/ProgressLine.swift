import Foundation

/// The line meet-load writes to stderr while it runs, e.g.
///
///     [   4s] joined 4/4  publishing 2  subscriptions 6/6 receiving  video 180 fps  recv 10.1 Mbit/s  sent 504 pkt/s  errors 0
///
/// Rates are over the last interval.
struct ProgressLine {
    let participants: [SimulatedParticipant]
    let recorder: LoadRecorder
    let started: UInt64

    func run(every interval: Duration) async {
        var previous = SimulatedParticipant.Live()
        var previousAt = monotonicNanos()
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            var total = SimulatedParticipant.Live()
            for participant in participants {
                let live = await participant.live()
                total.subscriptions += live.subscriptions
                total.receiving += live.receiving
                total.videoFrames += live.videoFrames
                total.packets += live.packets
                total.bytes += live.bytes
                total.sentPackets += live.sentPackets
            }
            let now = monotonicNanos()
            let seconds = max(0.001, Double(now - previousAt) / 1e9)
            let state = recorder.current
            let line = String(
                format: "[%4.0fs] joined %d/%d  publishing %d  subscriptions %d/%d receiving  video %.0f fps  recv %.1f Mbit/s  sent %.0f pkt/s  errors %d\n",
                Double(now - started) / 1e9, state.joined, participants.count, state.publishing,
                total.receiving, total.subscriptions, Double(total.videoFrames - previous.videoFrames) / seconds,
                Double(total.bytes - previous.bytes) * 8 / 1e6 / seconds, Double(total.sentPackets - previous.sentPackets) / seconds,
                state.errors.values.reduce(0, +))
            FileHandle.standardError.write(Data(line.utf8))
            previous = total
            previousAt = now
        }
    }
}
