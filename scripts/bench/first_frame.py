"""The first-frame benchmark: how long a new subscription takes from the
client's `subscribe` to its first decoded video frame, through the whole
stack (meet-api, one meet-ws, one meet-sfu), with aiortc on both ends.

    scripts/bench-first-frame [--subscriptions N] [--rounds R]   (starts PostgreSQL and Redis itself)

One publisher (aiortc: Opus and 320×240 VP8 at 30 fps) and one subscriber
in a fresh meeting. The subscriber then subscribes N times, one after the
other: `subscribe`, set the node's offer, answer (aiortc starts its ICE
checks here, before the answer has reached the node), `subscribe-answer`,
and wait for the first decoded video frame; then `unsubscribe` and close.
Printed per round and over all: p50, p95 and max in ms, and how many
subscriptions took longer than 400 ms (a lost ICE or DTLS retransmission
round, or a wait for the next keyframe). Not a test: nothing is judged.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

# The support code of the end-to-end tests (Tests/e2e/meet_e2e).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Tests" / "e2e"))
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription  # noqa: E402
from aiortc.mediastreams import MediaStreamError  # noqa: E402
from meet_e2e.participant import Participant  # noqa: E402  (importing it keeps aiortc on loopback)
from meet_e2e.stack import Stack  # noqa: E402


VERBOSE = False


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def report(label: str, values: list[float]) -> str:
    slow = sum(1 for v in values if v > 0.4)
    return (f"{label}  subscriptions {len(values):3}  p50 {percentile(values, 0.5) * 1000:5.0f} ms  "
            f"p95 {percentile(values, 0.95) * 1000:5.0f} ms  max {max(values) * 1000:5.0f} ms  over 400 ms: {slow}")


async def first_frame(subscriber: Participant, publisher_id: str) -> float:
    """One subscription: seconds from `subscribe` to the first decoded video frame."""
    started = time.monotonic()
    reply = await subscriber.signal.request("subscribe", {"participantId": publisher_id})
    assert reply["type"] == "subscription", reply
    data = reply["data"]
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    decoded: asyncio.Future = asyncio.get_running_loop().create_future()
    tasks = []

    async def decode(track) -> None:
        try:
            while True:
                await track.recv()
                if track.kind == "video" and not decoded.done():
                    decoded.set_result(time.monotonic())
        except MediaStreamError:
            pass

    @pc.on("track")
    def on_track(track) -> None:
        tasks.append(asyncio.ensure_future(decode(track)))

    marks: dict[str, float] = {"subscription": time.monotonic() - started}

    @pc.on("iceconnectionstatechange")
    def on_ice() -> None:
        marks.setdefault(f"ice {pc.iceConnectionState}", time.monotonic() - started)

    @pc.on("connectionstatechange")
    def on_connection() -> None:
        marks.setdefault(f"pc {pc.connectionState}", time.monotonic() - started)

    try:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=data["offer"], type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        answer = await subscriber.signal.request(
            "subscribe-answer", {"transportId": data["transportId"], "answer": pc.localDescription.sdp})
        assert answer["type"] == "ack", answer
        marks["answer acked"] = time.monotonic() - started
        at = await asyncio.wait_for(decoded, 20)
        if VERBOSE:
            print("   ", "  ".join(f"{k} {v * 1000:.0f}" for k, v in sorted(marks.items(), key=lambda kv: kv[1])),
                  f" first frame {(at - started) * 1000:.0f}", flush=True)
        return at - started
    finally:
        await subscriber.signal.request("unsubscribe", {"transportId": data["transportId"]})
        for task in tasks:
            task.cancel()
        await pc.close()


async def main(subscriptions: int, rounds: int) -> None:
    everything: list[float] = []
    with tempfile.TemporaryDirectory(prefix="meet-bench-first-frame-") as tmp:
        stack = Stack(Path(tmp), ws_replicas=1, sfu_nodes=1)
        try:
            for round_ in range(rounds):
                owner_token = stack.rest.register(f"Owner{round_}")
                code = stack.rest.create_meeting(owner_token)
                publisher, subscriber = Participant("P"), Participant("S")
                try:
                    await publisher.join(stack, code, replica=0, token=owner_token)
                    await subscriber.join(stack, code, replica=0)
                    await publisher.publish()
                    await asyncio.sleep(2)  # the publisher's connection up and its encoder running
                    values = []
                    for _ in range(subscriptions):
                        values.append(await first_frame(subscriber, publisher.id))
                        await asyncio.sleep(0.2)
                    print(report(f"round {round_ + 1}", values), flush=True)
                    everything += values
                finally:
                    await subscriber.close()
                    await publisher.close()
        finally:
            stack.stop()
    print(report("all    ", everything), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscriptions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--verbose", action="store_true", help="print when each step of each subscription happened (ms)")
    arguments = parser.parse_args()
    VERBOSE = arguments.verbose
    asyncio.run(main(arguments.subscriptions, arguments.rounds))
