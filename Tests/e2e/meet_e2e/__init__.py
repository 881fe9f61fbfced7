"""Support code for the end-to-end tests in Tests/e2e (and the benchmarks in
scripts/bench), one module per concern:

- `waiting`: `wait_until` / `block_until`, the one way a test waits for something.
- `env`: repository paths, the built binaries (`$MEET_BIN_DIR`), the test
  PostgreSQL and Redis URLs, free ports.
- `process`: `LoggedProcess`, a server child process with its log.
- `echo`: `EchoServer`, the meet-echo interop peer (Tools/EchoPeer).
- `sfu`: `SFUNode` (one meet-sfu process), `BusClient` (the Redis bus from Python).
- `stack`: `Stack` (meet-api, meet-ws replicas, meet-sfu nodes) and `Rest`.
- `signaling`: `Signal`, one participant's WebSocket (docs/signaling.md).
- `media`: aiortc tracks and codecs (importing it keeps aiortc on loopback).
- `participant`: `Participant`, an aiortc person who joins, publishes, subscribes.
- `mover`: `Mover`, a participant that follows `migrate` and resumes its seat.
- `migration`: the drain and crash scenarios (test_sfu_migration, bench-migration).
- `browser`: `MeetBrowser`, headless Chromium driving the web client.
- `browser_flows`: what browsers do together on a stack (`web_stack`, the
  `browsers` fixtures, `meet`, `wait_decoding`, `drain_watching`, `metric`).
- `turn`: `Coturn`, a TURN relay.
- `smtp`: `SMTPServer`, aiosmtpd on loopback keeping what meet-api mails, and `answer_link`.
- `ws_raw`: a WebSocket client on a bare socket, for hand-made frames.
- `load`: running meet-load (Tools/MeetLoad) against a `Stack` (its smoke test, bench-load).
- `fixtures`: fixture bodies (a stack whose logs print on failure) and `failed(request)`.

- `recovery`: stopping, freezing and restarting the stack's PostgreSQL and
  Redis (`RedisControl`, `PostgresControl`, `PubSubCutter`) for the recovery
  and outage tests and bench-outages.
"""
