public import Foundation
public import Logging

/// Runs a ``CompositePlan`` through the ffmpeg binary (`MEET_RECORDING_FFMPEG`)
/// into `{recording directory}/composite.mp4`: written as `.part` and
/// renamed when ffmpeg succeeded, so a finished name is a finished file
/// (like the per-track files). ffmpeg is killed past its time limit
/// (``timeLimit(for:)``); a failure is logged and leaves no file.
public struct CompositeMaker: Sendable {
    /// The ffmpeg executable: a path, or a name looked up on `PATH`.
    public let ffmpeg: String
    private let logger: Logger

    public init(ffmpeg: String, logger: Logger) {
        self.ffmpeg = ffmpeg
        self.logger = logger
    }

    /// What came out: the file and what the listing needs.
    public struct Made: Sendable, Equatable {
        public var path: String
        public var bytes: Int
        public var durationMilliseconds: Int64
    }

    public enum Failure: Error, Equatable {
        case nothingToCompose
        case ffmpegFailed(status: Int32, message: String)
        case timedOut
        case cannotStart(String)
    }

    /// Two minutes plus four times the recording: x264's `veryfast` on one core runs well ahead of real time.
    static func timeLimit(for plan: CompositePlan) -> Duration {
        .seconds(120) + .milliseconds(plan.durationMilliseconds * 4)
    }

    /// Makes the composite in `directory`.
    public func make(_ plan: CompositePlan, in directory: URL) async throws(Failure) -> Made {
        let path = directory.appendingPathComponent("composite.mp4").path
        let part = path + ".part"
        guard let arguments = plan.arguments(output: part) else { throw .nothingToCompose }
        let started = ContinuousClock.now
        do {
            try await self.run(arguments, log: path + ".log", limit: Self.timeLimit(for: plan))
        } catch {
            try? FileManager.default.removeItem(atPath: part)
            throw error
        }
        guard rename(part, path) == 0 else {
            try? FileManager.default.removeItem(atPath: part)
            throw .cannotStart("rename: \(String(cString: strerror(errno)))")
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        let duration = (try? TrackFileInfo(probing: path))?.durationMilliseconds ?? plan.durationMilliseconds
        self.logger.info(
            "composite made",
            metadata: [
                "path": "\(path)", "bytes": "\(bytes)", "durationMs": "\(duration)", "inputs": "\(plan.inputs.count)",
                "tookMs": "\(Int64((ContinuousClock.now - started) / .milliseconds(1)))",
            ])
        return Made(path: path, bytes: bytes, durationMilliseconds: duration)
    }

    /// Runs ffmpeg, its stderr in a file beside the output (no pipe to
    /// fill), whose tail is the error; killed at `limit`.
    private func run(_ arguments: [String], log: String, limit: Duration) async throws(Failure) {
        let process = Process()
        if self.ffmpeg.contains("/") {
            process.executableURL = URL(fileURLWithPath: self.ffmpeg)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [self.ffmpeg] + arguments
        }
        guard FileManager.default.createFile(atPath: log, contents: nil), let errors = FileHandle(forWritingAtPath: log) else {
            throw .cannotStart("cannot write \(log)")
        }
        defer {
            try? errors.close()
            try? FileManager.default.removeItem(atPath: log)
        }
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        // Past the limit: SIGTERM, then SIGKILL 5 s later. Started first; the limit is minutes.
        let box = ProcessBox(process)
        let watchdog = Task { () -> Bool in
            do { try await Task.sleep(for: limit) } catch { return false }
            guard box.process.isRunning else { return false }
            box.process.terminate()
            try? await Task.sleep(for: .seconds(5))
            if box.process.isRunning { kill(box.process.processIdentifier, SIGKILL) }
            return true
        }
        let status: Int32
        do {
            status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
                process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                do {
                    try process.run()
                } catch {
                    process.terminationHandler = nil
                    continuation.resume(throwing: error)
                }
            }
        } catch {
            watchdog.cancel()
            throw .cannotStart("\(error)")
        }
        watchdog.cancel()
        if await watchdog.value { throw .timedOut }
        guard status == 0 else {
            let tail = (try? String(contentsOfFile: log, encoding: .utf8)).map { String($0.suffix(2000)) } ?? ""
            throw .ffmpegFailed(status: status, message: tail.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}

/// A `Process` handed to the watchdog task: only `isRunning`, `terminate`
/// and the pid are used there, which Foundation allows from any thread.
private final class ProcessBox: @unchecked Sendable {
    let process: Process
    init(_ process: Process) { self.process = process }
}
