import Foundation

/// The summary table meet-load prints at the end (without `--json`).
extension LoadReport {
    func table() -> String {
        var lines: [String] = []
        let c = config
        lines.append(
            "meet-load: \(c.meetings) meeting(s) × \(c.participantsPerMeeting) participants "
                + "(\(c.videoPublishersPerMeeting) video, \(c.audioOnlyPerMeeting) audio-only publishers, "
                + "\(c.speakersPerMeeting) speakers), \(c.strategy), measured \(format(measuredSeconds, 1)) s")
        lines.append("")
        lines.append(pad("", 34) + ["count", "p50", "p95", "p99", "max"].map { pad($0, 9, right: true) }.joined())
        for (label, distribution) in [("join (ms)", joinMs), ("publish connected (ms)", publishMs), ("first frame (ms)", firstFrameMs)] {
            lines.append(row(label, distribution))
        }
        if let speakers = activeSpeakers {
            lines.append(row("speaker change heard (ms)", speakers.changeMs)
                + "   \(speakers.timed) of \(speakers.turns) turns")
        }
        lines += pollLines(row: row)
        lines.append("")
        let s = subscribers
        lines.append(pad("participants", 34) + "\(participants.joined) joined of \(participants.planned), \(participants.publishing) publishing")
        lines.append(pad("subscriptions", 34) + "\(subscriptions.total) (\(subscriptions.video) video), \(subscriptions.withMedia) with media, \(subscriptions.withoutMedia) without")
        lines.append(pad("subscriber connections each", 34) + spread(s.subscriberConnectionsPerSubscriber, 0))
        lines.append(pad("video frames per subscriber", 34) + spread(s.videoFramesPerSubscriber, 0))
        lines.append(pad("frames/s per video subscription", 34) + spread(s.videoFramesPerSecondPerSubscription, 1))
        lines.append(pad("freezes", 34) + "\(s.freezes) (\(s.subscribersWithFreezes) of \(s.count) subscribers), frozen \(format(s.frozenShare * 100, 2)) % of watched video")
        lines.append(pad("received kbit/s per subscriber", 34) + spread(s.receivedKbpsPerSubscriber, 0))
        lines.append(pad("loss", 34) + "\(format(loss.ratio * 100, 2)) % (\(loss.lost) of \(loss.expected) packets)")
        lines.append(pad("sent", 34) + "\(sent.videoFrames) video frames (\(format(sent.videoFramesPerSecondPerPublisher, 1))/s per publisher), \(sent.videoPackets) video + \(sent.audioPackets) audio packets, \(format(sent.kbps, 0)) kbit/s, \(sent.keyframes) keyframes (\(sent.keyframeRequests) requested)")
        if let simulcast { lines += simulcast.lines(pad: { pad($0, $1) }) }
        if !otherEvents.isEmpty {
            lines.append(pad("other events", 34) + otherEvents.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        lines.append(pad("errors", 34) + "\(errorsTotal)")
        for (code, count) in errors.sorted(by: { $0.value > $1.value }) {
            lines.append(pad("  " + code, 34) + "\(count)")
        }
        return lines.joined(separator: "\n")
    }

    private func row(_ label: String, _ d: Distribution) -> String {
        pad(label, 34) + pad("\(d.count)", 9, right: true)
            + [d.p50, d.p95, d.p99, d.max].map { pad(format($0, 0), 9, right: true) }.joined()
    }

    private func spread(_ d: Distribution, _ decimals: Int) -> String {
        "min \(format(d.min, decimals))  p50 \(format(d.p50, decimals))  max \(format(d.max, decimals))  mean \(format(d.mean, decimals))"
    }

    private func format(_ value: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", value)
    }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return right ? padding + text : text + padding
    }
}
