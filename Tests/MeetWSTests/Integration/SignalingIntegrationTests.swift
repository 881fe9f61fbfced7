import Testing

/// meet-api and meet-ws replicas as real processes against the real
/// PostgreSQL and Redis. The nested suites (one per file) run one at a time:
/// each starts its own processes, and on a small machine running them all
/// at once would starve the presence heartbeats the tests depend on.
@Suite(.serialized) struct SignalingIntegrationTests {}
