public import Foundation
public import MeetProtocol
import MeetRedis

/// Failover (docs/dev/recording.md, "Failover"): what lets another recorder
/// continue a recording whose recorder died. The holder advertises the job
/// it records (`{prefix}recorder:active`, a set of recording ids, and
/// `{prefix}recorder:spec:{id}`, the job with the segment it writes and the
/// seat's token); every recorder looks, every renewal period, for an
/// advertised job whose claim is gone (expired: its recorder stopped
/// renewing) and claims it for the next segment. A stopped recording is
/// withdrawn before its claim is released, so it is never taken over.
extension RecordingJobLease {
    /// How long an advertisement outlives its last write: the recorder seat
    /// token's lifetime (`TokenService.makeRecorderToken`, 12 h), after which
    /// nobody could join with it anyway.
    static let advertisementLifetime: Duration = .seconds(12 * 3600)

    var activeKey: String { "\(self.prefix)recorder:active" }
    func specKey(_ recordingID: String) -> String { "\(self.prefix)recorder:spec:\(recordingID)" }

    /// Says that `job` (its `segment` included) is recorded here now.
    public func advertise(_ job: RecordingJob) async throws {
        let id = job.recordingId.uuidString.lowercased()
        try await self.redis.set(self.specKey(id), to: Array(try JSONEncoder().encode(job)), expiration: Self.advertisementLifetime)
        _ = try await self.redis.sadd(self.activeKey, [id])
    }

    /// The recording is over: nobody takes it over any more.
    public func withdraw(_ recordingID: String) async throws {
        _ = try await self.redis.srem(self.activeKey, [recordingID])
        try await self.redis.delete(self.specKey(recordingID))
    }

    /// Advertised jobs nobody holds (their claim expired or was released by
    /// a shutdown), as they were last recorded; `skipping` are those this
    /// recorder holds or claims. An id whose advertisement expired is dropped.
    public func orphans(skipping: Set<UUID>) async throws -> [RecordingJob] {
        var jobs: [RecordingJob] = []
        for id in try await self.redis.smembers(self.activeKey) {
            guard let uuid = UUID(uuidString: id), !skipping.contains(uuid), try await self.holder(id) == nil else { continue }
            guard let spec = try await self.redis.getString(self.specKey(id)),
                let job = try? JSONDecoder().decode(RecordingJob.self, from: Data(spec.utf8))
            else {
                _ = try await self.redis.srem(self.activeKey, [id])
                continue
            }
            jobs.append(job)
        }
        return jobs
    }
}
