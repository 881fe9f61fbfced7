public import Foundation
public import MeetProtocol

/// The durable side of breakout rooms (a port; issue #21 item 5):
/// PostgreSQL in service (``PostgresBreakoutStore``), memory in unit tests
/// (``InMemoryBreakoutStore``). Each update loads the meeting's plan under
/// a lock, applies one transition of ``BreakoutPlan`` (the rules live
/// there) and stores it, so replicas acting on the same meeting at once
/// are serialized, and a replica that crashes loses no assignment.
public protocol BreakoutStore: Sendable {
    /// The meeting's plan; nil when it never had breakout rooms.
    func plan(meetingId: UUID) async throws -> BreakoutPlan?
    /// Applies `change` to the meeting's plan (an empty, closed one when it
    /// has none). A refusal from `change` stores nothing. `changed`: the
    /// plan's revision moved.
    func update(
        meetingId: UUID, _ change: @escaping @Sendable (inout BreakoutPlan) throws(BreakoutRefusal) -> Void
    ) async throws -> (plan: BreakoutPlan, changed: Bool)
    /// Meetings whose timer or countdown is due at `now`, at most `limit`.
    func due(now: Date, limit: Int) async throws -> [UUID]
}

/// ``BreakoutStore`` in memory: unit tests and single-process runs.
public actor InMemoryBreakoutStore: BreakoutStore {
    private var plans: [UUID: BreakoutPlan] = [:]

    public init() {}

    public func plan(meetingId: UUID) -> BreakoutPlan? { self.plans[meetingId] }

    public func update(
        meetingId: UUID, _ change: @escaping @Sendable (inout BreakoutPlan) throws(BreakoutRefusal) -> Void
    ) throws -> (plan: BreakoutPlan, changed: Bool) {
        var plan = self.plans[meetingId] ?? BreakoutPlan(meetingId: meetingId)
        let revision = plan.revision
        try change(&plan)
        self.plans[meetingId] = plan
        return (plan, plan.revision != revision)
    }

    public func due(now: Date, limit: Int) -> [UUID] {
        Array(self.plans.values.filter { ($0.nextDeadline ?? .distantFuture) <= now }.map(\.meetingId).prefix(limit))
    }
}
