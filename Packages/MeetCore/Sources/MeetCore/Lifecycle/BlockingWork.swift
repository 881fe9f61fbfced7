import NIOPosix

/// Runs CPU-heavy or blocking work (bcrypt, file reads) on NIO's thread
/// pool, off the cooperative executor and the event loops, so one slow
/// hash does not stall every other request on a small machine.
public enum BlockingWork {
    public static func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await NIOThreadPool.singleton.runIfActive(work)
    }
}
