"""Poll result latency with 200 participants (issue #21, Load).

    scripts/bench-poll [--voters 200] [--window 10]   (starts PostgreSQL and Redis itself)
    MEET_BIN_DIR=/path/to/binaries scripts/bench-poll

meet-api and two meet-ws replicas (no SFU node). A host joins on replica 0,
`--voters` guests alternate between the replicas; the host creates and
launches a named poll, and every guest votes once at a random moment
within `--window` seconds. A vote's reply carries the poll's `revision`
after it; its **result latency** is from the vote's send to the first
`poll` the host receives with that revision or later (the tally that
includes it, across replicas through PostgreSQL and the Redis bus).
Printed: result latency p50/p99/max, and for comparison (the floor) the
vote's own round trip (send → the voter's reply). Not a test.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Tests" / "e2e"))
from meet_e2e.signaling import Signal  # noqa: E402
from meet_e2e.stack import Stack  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def enter(stack: Stack, code: str, name: str, replica: int, token: str | None = None) -> Signal:
    joined = await asyncio.to_thread(stack.rest.join, code, token, None if token else name)
    signal = Signal(name)
    await signal.connect(stack.ws_url(replica), joined["joinToken"])
    reply = await signal.request("join")
    assert reply["type"] == "joined", reply
    return signal


async def run(stack: Stack, voters: int, window: float) -> None:
    owner = stack.rest.register("Host")
    code = stack.rest.create_meeting(owner)
    host = await enter(stack, code, "Host", 0, owner)
    people: list[Signal] = []
    for start in range(0, voters, 20):  # joins in batches of 20
        people += await asyncio.gather(*(enter(stack, code, f"V{i}", i % 2) for i in range(start, min(voters, start + 20))))
    poll = (await host.request("poll-create", {"question": "Ship it?", "options": ["Yes", "No", "Later"]}))["data"]
    await host.request("poll-launch", {"pollId": poll["id"]})

    # The host's view of the revisions: revision → when first seen (or a later one).
    seen_at: dict[int, float] = {}
    newest = {"revision": 0}
    done = asyncio.Event()

    async def watch() -> None:
        while True:
            message = await host.events.get()
            if message["type"] != "poll" or message["data"]["id"] != poll["id"]:
                continue
            now = time.monotonic()
            revision = message["data"]["revision"]
            for r in range(newest["revision"] + 1, revision + 1):
                seen_at[r] = now
            newest["revision"] = max(newest["revision"], revision)
            if message["data"].get("voterCount") == voters:
                done.set()

    watcher = asyncio.ensure_future(watch())
    sent: list[tuple[float, float, int]] = []  # (sent at, replied at, revision)

    async def vote(person: Signal) -> None:
        await asyncio.sleep(random.uniform(0, window))
        at = time.monotonic()
        reply = await person.request("poll-vote", {"pollId": poll["id"], "choices": [random.randrange(3)]})
        sent.append((at, time.monotonic(), reply["data"]["revision"]))

    began = time.monotonic()
    await asyncio.gather(*(vote(person) for person in people))
    await asyncio.wait_for(done.wait(), 30)
    watcher.cancel()
    result = [(seen_at[revision] - at) * 1000 for at, _, revision in sent]
    round_trip = [(replied - at) * 1000 for at, replied, _ in sent]
    print(f"{voters} voters on 2 meet-ws replicas, votes spread over {window:.0f} s "
          f"(all tallied after {time.monotonic() - began:.1f} s); load average {os.getloadavg()[0]:.2f}")
    print(f"  result latency (vote sent -> host sees the tally with it): p50 {percentile(result, 50):.1f} ms, "
          f"p99 {percentile(result, 99):.1f} ms, max {max(result):.1f} ms")
    print(f"  floor, the vote's own round trip (sent -> voter's reply):    p50 {percentile(round_trip, 50):.1f} ms, "
          f"p99 {percentile(round_trip, 99):.1f} ms, max {max(round_trip):.1f} ms")
    for person in (host, *people):
        await person.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--voters", type=int, default=200)
    parser.add_argument("--window", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp), ws_replicas=2, sfu_nodes=0)
        try:
            asyncio.run(run(stack, args.voters, args.window))
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
