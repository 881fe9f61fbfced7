"""The outage benchmark (issue #23): a meeting of six over two SFU nodes and
two meet-ws replicas lives through each outage of its dependencies in turn,
and this prints what a user would notice.

    scripts/bench-outages [--duration SECONDS] [--only NAME ...]

Outages (each `--duration` long, default 30 s):

- `redis-frozen`: SIGSTOP, then SIGCONT (Redis keeps its data and sockets);
- `redis-killed`: SIGKILL, down for the duration, started again (empty:
  no persistence);
- `redis-restarted`: stopped and started at once (empty), then watched for
  the duration;
- `postgres-stopped`: `pg_ctl stop -m fast`, down for the duration, started.

The meeting: A publishes on node 1, B on node 2; C and D watch both (their
video frames are timed); E and F only talk. Replicas alternate (A, C, E on
replica 0). During each outage, every 0.5 s: E raises or lowers its hand, F
sends a chat, C subscribes to A (and drops it again), and replica 0's
`/readyz` is asked; each is timed with a 10 s client timeout. After the
return (the first `PING` / `SELECT 1` answered) four probes run at once,
each retried every 50 ms until it works: a late joiner's `join` whose
snapshot lists all six and both tracks, C's `subscribe` to B, a chat from
E that F receives live (within 300 ms), and both nodes fresh in the
registry.

Reported per outage: the largest video gap (C and D, from A and B) from
the outage's start to the end of its recovery; the time from the return
until join, subscribe, chat and registry work again (goal under 1 s);
requests that took longer than 100 ms during the outage (goal 0); chat
messages acknowledged but not received by D within 60 s (goal 0); participants and
tracks missing from the first late joiner's snapshot after the return
(goal 0), and, in brackets, what that joiner still lacked after 3 s of the
events the presence write-back announces (goal 0). Not a test: it prints.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

# The support code of the end-to-end tests (Tests/e2e/meet_e2e).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Tests" / "e2e"))
import meet_e2e.media  # noqa: E402,F401  (importing it keeps aiortc on loopback)
import redis  # noqa: E402
from meet_e2e.mover import Mover  # noqa: E402
from meet_e2e.signaling import Signal, SignalError  # noqa: E402
from meet_e2e.stack import Stack  # noqa: E402
from meet_e2e.recovery import PostgresControl, RedisControl, _port_open  # noqa: E402

OUTAGES = ["redis-frozen", "redis-killed", "redis-restarted", "postgres-stopped"]
HUNG = 0.1
PROBE_TIMEOUT = 10.0
# How long the first late joiner listens for the seats its snapshot missed
# (the other replica's presence write-back announces them).
CONVERGE_WINDOW = 3.0


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass
class Result:
    outage: str
    gap_ms: float = 0.0
    recovery: dict = field(default_factory=dict)  # probe → seconds after the return (None: never)
    requests: int = 0
    hung: dict = field(default_factory=dict)  # kind → count over 100 ms
    slowest_ms: float = 0.0
    acked: int = 0
    lost: int = 0
    load: str = ""  # the machine's load averages (1, 5, 15 min) when the outage ended: figures under load say so
    missing: int | None = None  # participants and tracks absent from the first snapshot after the return
    # ... and still absent from that first late joiner's view once the write-back
    # announcements had CONVERGE_WINDOW to arrive (participant-joined, tracks)
    unconverged: int | None = None


class Meeting:
    """Six participants, two publishers on two nodes, two watchers."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.people = {name: Mover(name) for name in "ABCDEF"}
        self.code = ""
        self.late = 0

    async def start(self) -> None:
        owner = self.stack.rest.register("Owner")
        self.code = self.stack.rest.create_meeting(owner)
        for index, (name, person) in enumerate(self.people.items()):
            await person.join(self.stack, self.code, replica=index % 2)
        a, b = self.people["A"], self.people["B"]
        await a.publish(self.stack.nodes[0].node_id)
        await b.publish(self.stack.nodes[1].node_id)
        for watcher in (self.people["C"], self.people["D"]):
            await watcher.subscribe(a.id)
            await watcher.subscribe(b.id)
        await asyncio.sleep(3)  # media flowing everywhere before the first outage

    def ids(self) -> set[str]:
        return {p.id for p in self.people.values()}

    def gaps(self, since: float) -> dict[str, float]:
        """The largest video gap per (watcher, publisher) pair since `since`."""
        return {w + p: self.people[w].largest_gap(self.people[p].id, since) for w in "CD" for p in "AB"}

    async def close(self) -> None:
        for person in self.people.values():
            await person.close()


async def timed(coroutine) -> tuple[float, object]:
    started = time.monotonic()
    try:
        outcome = await asyncio.wait_for(coroutine, PROBE_TIMEOUT)
    except (SignalError, asyncio.TimeoutError, OSError, Exception) as error:  # noqa: BLE001 - every outcome counts
        outcome = error
    return time.monotonic() - started, outcome


def readyz(url: str) -> int:
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=PROBE_TIMEOUT) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class Load:
    """The requests made during an outage, each timed."""

    def __init__(self, meeting: Meeting):
        self.meeting = meeting
        self.durations: dict[str, list[float]] = {"hand": [], "chat": [], "subscribe": [], "readyz": []}
        self.acked: list[str] = []
        # (seconds into the outage, kind, duration) of each request over HUNG: at the
        # start of the outage they waited on the breaker, spread out on the machine's load
        self.slow: list[tuple[float, str, float]] = []
        self._stop = asyncio.Event()

    async def run(self) -> None:
        e, f, c, a = (self.meeting.people[n] for n in "EFCA")
        raised = False
        began = time.monotonic()
        while not self._stop.is_set():
            raised = not raised
            round_at = time.monotonic() - began
            tasks = {
                "hand": timed(e.signal.request("hand", {"raised": raised}, timeout=PROBE_TIMEOUT)),
                "chat": timed(f.signal.request("chat", {"body": f"outage chat {time.monotonic():.3f}"},
                                               timeout=PROBE_TIMEOUT)),
                "subscribe": timed(self.subscribe_and_drop(c, a.id)),
                "readyz": timed(asyncio.to_thread(readyz, self.meeting.stack.replicas[0].base_url)),
            }
            results = await asyncio.gather(*tasks.values())
            for kind, (duration, outcome) in zip(tasks, results):
                self.durations[kind].append(duration)
                if duration > HUNG:
                    self.slow.append((round_at, kind, duration))
                if kind == "chat" and isinstance(outcome, dict) and outcome.get("type") == "ack":
                    self.acked.append(outcome["data"]["messageId"])
            try:
                await asyncio.wait_for(self._stop.wait(), 0.5)
            except asyncio.TimeoutError:
                pass

    @staticmethod
    async def subscribe_and_drop(watcher: Mover, publisher_id: str) -> dict:
        reply = await watcher.signal.request("subscribe", {"participantId": publisher_id}, timeout=PROBE_TIMEOUT)
        transport = reply["data"]["transportId"]

        async def drop() -> None:
            try:
                await watcher.signal.request("unsubscribe", {"transportId": transport}, timeout=PROBE_TIMEOUT)
            except (SignalError, asyncio.TimeoutError):
                pass  # a refused unsubscribe leaves a transport the node times out

        asyncio.ensure_future(drop())
        return reply

    def stop(self) -> None:
        self._stop.set()


async def until_works(what: str, attempt, deadline: float = 60.0) -> float | None:
    """Seconds until `attempt()` first returns truthy (retried every 50 ms), None if never."""
    started = time.monotonic()
    last: object = None
    while time.monotonic() - started < deadline:
        try:
            if await asyncio.wait_for(attempt(), PROBE_TIMEOUT):
                return time.monotonic() - started
            last = "not yet"
        except Exception as error:  # noqa: BLE001 - not yet
            last = error
        await asyncio.sleep(0.05)
    log(f"  {what} did not work within {deadline:.0f} s of the return (last: {last!r})")
    return None


class Recovery:
    """The four probes after the return."""

    def __init__(self, meeting: Meeting, result: Result):
        self.meeting = meeting
        self.result = result
        self.converging: asyncio.Task | None = None

    async def join(self) -> bool:
        stack = self.meeting.stack
        self.meeting.late += 1
        name = f"L{self.meeting.late}"
        joined = await asyncio.to_thread(stack.rest.join, self.meeting.code, None, name)
        signal_ = Signal(name)
        expected = self.meeting.ids()
        wanted_tracks = {self.meeting.people[n].id for n in "AB"}
        watching = False
        try:
            await signal_.connect(stack.ws_url(self.meeting.late % 2), joined["joinToken"], open_timeout=PROBE_TIMEOUT)
            reply = await signal_.request("join", timeout=PROBE_TIMEOUT)
            snapshot = reply["data"]
            listed = {p["id"].lower() for p in snapshot["participants"]}
            publishers = {t["participantId"].lower() for t in snapshot["tracks"]}
            missing = len(expected - listed) + len(wanted_tracks - publishers)
            if self.result.missing is None:
                self.result.missing = missing  # the first snapshot after the return
                self.result.unconverged = 0
                if missing:
                    # Listened to beside the probes (the join probe retries meanwhile).
                    self.converging = asyncio.create_task(
                        self.converge(signal_, expected - listed, wanted_tracks - publishers))
                    watching = True
        finally:
            if not watching:
                await signal_.close()
        return missing == 0  # recovered once a newcomer sees everyone and both tracks

    async def converge(self, signal_: Signal, people: set, tracks: set) -> None:
        """What the first late joiner still lacks after CONVERGE_WINDOW of events."""
        try:
            ends = time.monotonic() + CONVERGE_WINDOW
            while (people or tracks) and time.monotonic() < ends:
                try:
                    event = await asyncio.wait_for(signal_.events.get(), ends - time.monotonic())
                except asyncio.TimeoutError:
                    break
                data = event.get("data") or {}
                if event.get("type") == "participant-joined":
                    people.discard((data.get("participant") or {}).get("id", "").lower())
                elif event.get("type") == "tracks" and data.get("tracks"):
                    tracks.discard(data.get("participantId", "").lower())
            self.result.unconverged = len(people) + len(tracks)
        finally:
            await signal_.close()

    async def subscribe(self) -> bool:
        c, b = self.meeting.people["C"], self.meeting.people["B"]
        reply = await Load.subscribe_and_drop(c, b.id)
        return reply["type"] == "subscription"

    async def chat(self) -> bool:
        e, f = self.meeting.people["E"], self.meeting.people["F"]
        reply = await e.signal.request("chat", {"body": f"after {time.monotonic():.3f}"}, timeout=PROBE_TIMEOUT)
        message_id = reply["data"]["messageId"]
        for _ in range(6):  # delivered live, within 300 ms
            if any(m.get("id") == message_id for m in f.received("chat")):
                return True
            await asyncio.sleep(0.05)
        return False

    async def registry(self) -> bool:
        client = redis.Redis.from_url(RedisControl().url, socket_timeout=1)
        try:
            ids = {n.node_id for n in self.meeting.stack.nodes}
            now_ms = time.time() * 1000
            fresh = 0
            for node_id in ids:
                raw = client.get(f"sfu:node:{node_id}")
                if raw and now_ms - json.loads(raw)["updatedAtMs"] < 2000 and node_id.encode() in client.smembers("sfu:nodes"):
                    fresh += 1
            return fresh == len(ids)
        finally:
            client.close()

    async def run(self) -> None:
        probes = {"join": self.join, "subscribe": self.subscribe, "chat": self.chat, "registry": self.registry}
        times = await asyncio.gather(*(until_works(name, probe) for name, probe in probes.items()))
        self.result.recovery = dict(zip(probes, times))
        if self.converging:
            await self.converging


async def redis_answers(server: RedisControl) -> None:
    while True:
        try:
            client = redis.Redis.from_url(server.url, socket_timeout=0.2)
            try:
                if client.ping():
                    return
            finally:
                client.close()
        except redis.exceptions.RedisError:
            pass
        await asyncio.sleep(0.01)


async def postgres_answers(server: PostgresControl) -> None:
    while not _port_open(server.port):
        await asyncio.sleep(0.01)


async def run_outage(meeting: Meeting, outage: str, duration: float) -> Result:
    result = Result(outage)
    redis_server, postgres = RedisControl(), PostgresControl()
    load = Load(meeting)
    started = time.monotonic()
    log(f"{outage}: starting ({duration:.0f} s)")
    loader = asyncio.ensure_future(load.run())
    if outage == "redis-frozen":
        redis_server.freeze()
        await asyncio.sleep(duration)
        redis_server.thaw()
        await redis_answers(redis_server)
    elif outage == "redis-killed":
        os.kill(redis_server._pid(), signal.SIGKILL)
        await asyncio.sleep(duration)
        await asyncio.to_thread(redis_server.start)
        await redis_answers(redis_server)
    elif outage == "redis-restarted":
        await asyncio.to_thread(redis_server.stop)
        await asyncio.to_thread(redis_server.start)
        await redis_answers(redis_server)
    elif outage == "postgres-stopped":
        await asyncio.to_thread(postgres.stop)
        await asyncio.sleep(duration)
        await asyncio.to_thread(postgres.start)
        await postgres_answers(postgres)
    result.load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    log(f"{outage}: dependency answers again after {time.monotonic() - started:.1f} s; probing recovery "
        f"(load average {result.load})")
    load.stop()
    await loader
    await Recovery(meeting, result).run()
    if outage == "redis-restarted":
        # The outage was the restart; keep the meeting under load for the duration after it.
        load = Load(meeting)
        loader = asyncio.ensure_future(load.run())
        await asyncio.sleep(duration)
        load.stop()
        await loader
    # The outbox delivers what was acknowledged during the outage (100 messages
    # per replica every 500 ms): wait until D has everything, 60 s at most.
    drained = time.monotonic()
    while time.monotonic() - drained < 60:
        received = {m.get("id") for m in meeting.people["D"].received("chat")}
        if all(i in received for i in load.acked):
            break
        await asyncio.sleep(0.5)
    log(f"{outage}: acknowledged chat all received {time.monotonic() - drained:.1f} s after the probes")
    result.acked = len(load.acked)
    result.lost = len([i for i in load.acked if i not in received])
    all_durations = [d for values in load.durations.values() for d in values]
    result.requests = len(all_durations)
    result.hung = {kind: sum(1 for d in values if d > HUNG) for kind, values in load.durations.items()}
    result.slowest_ms = max(all_durations, default=0) * 1000
    if load.slow:
        log(f"{outage}: requests over {HUNG * 1000:.0f} ms (s into the outage, kind, ms): "
            + ", ".join(f"{at:.1f} {kind} {duration * 1000:.0f}" for at, kind, duration in load.slow))
    gaps = meeting.gaps(started)
    result.gap_ms = max(gaps.values()) * 1000
    log(f"{outage}: largest video gap per pair (ms): " + ", ".join(f"{k} {v * 1000:.0f}" for k, v in gaps.items()))
    log(f"{outage}: done; {summary_line(result)}")
    return result


def seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.2f} s"


def summary_line(r: Result) -> str:
    recovery = ", ".join(f"{k} {seconds(v)}" for k, v in r.recovery.items())
    hung = sum(r.hung.values())
    return (f"gap {r.gap_ms:.0f} ms; recovered: {recovery}; hung {hung}/{r.requests} "
            f"(slowest {r.slowest_ms:.0f} ms); acked-lost {r.lost}/{r.acked}; missing {r.missing}, "
            f"after {CONVERGE_WINDOW:.0f} s of events {r.unconverged}")


def table(results: list[Result], duration: float) -> str:
    rows = [f"outages of {duration:.0f} s; recovery = seconds from the dependency answering until it works again",
            "| outage | largest video gap | join | subscribe | chat | registry | requests > 100 ms (of all) | "
            "slowest request | chat acked but lost | missing from the first snapshot (after its events) | load average |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        hung = ", ".join(f"{k} {v}" for k, v in r.hung.items() if v) or "none"
        rows.append(
            f"| {r.outage} | {r.gap_ms:.0f} ms | {seconds(r.recovery.get('join'))} | "
            f"{seconds(r.recovery.get('subscribe'))} | {seconds(r.recovery.get('chat'))} | "
            f"{seconds(r.recovery.get('registry'))} | {sum(r.hung.values())} of {r.requests} ({hung}) | "
            f"{r.slowest_ms:.0f} ms | {r.lost} of {r.acked} | {r.missing} ({r.unconverged}) | {r.load} |")
    return "\n".join(rows)


async def main(duration: float, outages: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="meet-bench-outages-") as tmp:
        log("starting the stack (meet-api, 2 meet-ws, 2 meet-sfu)")
        stack = Stack(Path(tmp), ws_env={"MEET_WS_JOIN_TIMEOUT_SECONDS": "120"})
        meeting = Meeting(stack)
        try:
            await meeting.start()
            log("meeting of six running: A on node 1, B on node 2, C and D watching both")
            results = []
            for outage in outages:
                results.append(await run_outage(meeting, outage, duration))
                await asyncio.sleep(3)
            print()
            print(table(results, duration))
        finally:
            await meeting.close()
            stack.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds each outage lasts (600: the 10-minute run)")
    parser.add_argument("--only", choices=OUTAGES, action="append", help="run only these outages")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.duration, arguments.only or OUTAGES))
