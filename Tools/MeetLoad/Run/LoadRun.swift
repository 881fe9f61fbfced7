import Foundation
import Logging

/// One run: creates the meetings (an owner account each), starts the
/// participants at the join rate, holds for the duration, measures, then
/// has everyone leave. Setup failures (no meeting could be created) throw;
/// anything after that is counted, never fatal.
struct LoadRun {
    var plan: LoadPlan
    var context: ParticipantContext
    var joinRate: Double
    var hold: Duration
    var firstFrameTimeoutNanos: UInt64
    var progressInterval: Duration?
    var config: LoadReport.Config
    var logger: Logger
    /// `--poll-after`: after the last participant started, each meeting's owner runs a poll (``PollHost``).
    var pollAfter: Duration? = nil
    /// `--poll-timeout`: how long a host waits for every vote before it closes the poll anyway.
    var pollTimeout: Duration = .seconds(30)

    func run() async throws(LoadError) -> LoadReport {
        var codes: [String] = []
        var hosts: [PollHost] = []
        for meeting in 0..<plan.meetings {
            let token = try await context.rest.register(name: "meet-load owner \(meeting + 1)")
            codes.append(try await context.rest.createMeeting(token: token, title: "meet-load \(meeting + 1)"))
            guard pollAfter != nil, let polls = context.polls else { continue }
            do throws(LoadError) {
                hosts.append(try await PollHost.join(meeting: meeting, code: codes[meeting], token: token, context: context, polls: polls))
            } catch {
                context.recorder.error(LoadError("poll_host_\(error.code)", error.detail), participant: -1)
            }
        }
        logger.info("meetings created", metadata: ["codes": "\(codes)"])
        let participants = plan.participants(meetingCodes: codes).map { SimulatedParticipant(plan: $0, context: context) }
        let started = monotonicNanos()
        let progress = progressInterval.map { interval in
            Task { await ProgressLine(participants: participants, recorder: context.recorder, started: started).run(every: interval) }
        }
        var tasks: [Task<Void, Never>] = []
        let clock = ContinuousClock()
        let rampStart = clock.now
        for (index, participant) in participants.enumerated() {
            let due = rampStart + .milliseconds(Int(Double(index) / joinRate * 1000))
            if due > clock.now { try? await Task.sleep(until: due, clock: clock) }
            tasks.append(Task { await participant.run() })
        }
        let expected = plan.participantsPerMeeting
        let timeout = pollTimeout
        let pollHosts = hosts
        let polling = pollAfter.map { delay in
            Task {
                try? await Task.sleep(for: delay)
                await withTaskGroup(of: Void.self) { group in
                    for host in pollHosts { group.addTask { await host.run(expected: expected, timeout: timeout) } }
                }
            }
        }
        try? await Task.sleep(for: hold)
        // A poll still running (bounded by --poll-timeout and the request timeouts) ends first.
        await polling?.value
        let end = monotonicNanos()
        var results: [ParticipantResult] = []
        for participant in participants { results.append(await participant.report(at: end)) }
        let recorded = context.recorder.current
        progress?.cancel()
        await stopAll(participants)
        for host in hosts { await host.leave() }
        for task in tasks { task.cancel() }
        var report = LoadReport(
            config: config, results: results, recorded: recorded, now: end,
            measuredSeconds: millis(from: started, to: end) / 1000, firstFrameTimeoutNanos: firstFrameTimeoutNanos)
        if config.simulcast {
            report.simulcast = SimulcastFigures(results: results, now: end, measuredSeconds: report.measuredSeconds)
        }
        if pollAfter != nil, let polls = context.polls {
            report.poll = LoadReport.PollFigures(polls.current, meetings: plan.meetings, participantsPerMeeting: expected)
        }
        return report
    }

    /// Everyone leaves, in parallel (each `stop` is bounded: its `leave`
    /// waits at most 2 s).
    private func stopAll(_ participants: [SimulatedParticipant]) async {
        await withTaskGroup(of: Void.self) { group in
            for participant in participants {
                group.addTask { await participant.stop() }
            }
        }
    }
}
