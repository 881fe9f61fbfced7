/// How the transports of one worker tell its RTCP timer (``RTCPTicker``)
/// that there is work for it (docs/dev/sfu-idle.md): while the worker is
/// idle its timer runs at the slow pace or not at all, and the first RTP
/// packet, work-making feedback (PLI, FIR, NACK, transport-wide feedback,
/// REMB) or control action brings the 20 ms pace back at once.
///
/// On the packet path this is one `Bool` read (``isIdle``) and nothing
/// else while the timer runs fast: no lock, no allocation, no clock read.
/// Event loop only, like the ``ForwardingPlane`` that holds it.
final class WorkerActivity {
    /// True while the timer runs at the slow pace or is paused.
    var isIdle = false
    /// Set by ``noteWork()`` since the last tick (``takeWork()``).
    private var sawWork = false
    /// Brings the timer back to its fast pace (set by the ticker).
    var onWake: () -> Void = {}

    /// The packet path's check: when idle, wakes the timer; nothing else.
    /// (A publisher marks its own arrivals, which keep the timer fast.)
    @inline(__always)
    func wakeIfIdle() {
        if isIdle { wake() }
    }

    /// Work for the timer that no publisher's arrivals show (a control
    /// action, a subscriber's feedback, a transport added or closed): the
    /// timer stays at its fast pace for at least another second.
    func noteWork() {
        sawWork = true
        if isIdle { wake() }
    }

    /// Whether ``noteWork()`` was called since the last call (the tick's question).
    func takeWork() -> Bool {
        defer { sawWork = false }
        return sawWork
    }

    private func wake() {
        isIdle = false
        onWake()
    }
}
