import Foundation
public import Logging

/// The segments this recorder is writing now, by recording id. On SIGTERM
/// (`finishAll`) every file gets its trailer and final name before the
/// process exits, so a rolling update loses nothing already received.
public actor RecordingSessions {
    private var sessions: [String: RecordingSession] = [:]
    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public var count: Int { sessions.count }

    /// Runs `body` on the session of `recordingID`, made by `make` when there is none.
    public func with<T>(_ recordingID: String, make: () -> RecordingSession, _ body: (RecordingSession) throws -> T) rethrows -> T {
        if let session = sessions[recordingID] { return try body(session) }
        let session = make()
        sessions[recordingID] = session
        return try body(session)
    }

    /// Ends one recording's segment: its files finished and returned.
    public func finish(_ recordingID: String, now: Int64) -> [RecordedFile] {
        sessions.removeValue(forKey: recordingID)?.finish(now: now) ?? []
    }

    /// Ends every segment (the drain).
    public func finishAll(now: Int64) -> [RecordedFile] {
        let ids = Array(sessions.keys)
        if !ids.isEmpty { logger.notice("finishing recordings", metadata: ["count": "\(ids.count)"]) }
        return ids.flatMap { finish($0, now: now) }
    }

    /// Microseconds on the local wall clock: the time every session runs on.
    public static func now() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1_000_000)
    }
}
