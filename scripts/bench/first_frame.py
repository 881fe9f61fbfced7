"""The first-frame benchmark: how long a new subscription takes from the
client's `subscribe` to its first decoded video frame, and a new publisher
from its `publish` to its first video packet forwarded to a watcher,
through the whole stack (meet-api, one meet-ws, one meet-sfu).

    scripts/bench-first-frame [--runs N] [--subscriber aiortc|chromium|both] [--json]
                                                 (starts PostgreSQL and Redis itself)

The publisher is aiortc (Opus and 320×240 VP8 at 30 fps); the subscriber is
aiortc, headless Chromium (Debian's `chromium` + `chromium-driver`, driven
by Selenium; a bare RTCPeerConnection on about:blank, not the web client,
so both subscribers go through exactly the same signaling steps), or each in
turn. For each subscriber kind, N runs of each measurement, one after the
other:

- `subscribe→frame`: the publisher is up; `subscribe`, set the node's offer,
  answer (the client starts its ICE checks here, before the answer has
  reached the node), `subscribe-answer`, wait for the first decoded video
  frame (aiortc: the first frame out of the decoder; Chromium: the first
  `getStats()` poll, every 5 ms, whose inbound video `framesDecoded` is
  above zero); then `unsubscribe` and close.
- `publish→rtp` and `publish→frame`: a new participant joins and publishes
  (a fresh aiortc connection); the watcher subscribes the moment the
  `published` reply arrives, as a client does on `participant-published`.
  `publish→rtp` is the first video RTP packet ARRIVING AT THE WATCHER (the
  node's first forwarded packet as the subscriber sees it, not a node
  counter: aiortc's receiver callback; Chromium's first poll with
  `packetsReceived` above zero), so it includes the watcher's own
  subscription set-up; `publish→frame` its first decoded frame. The
  publisher then leaves.

A progress line per run goes to stderr; the summary table (p50, p95, max,
how many over 400 ms, and whether subscribe→frame p95 is under issue #17's
goal of 150 ms) to stdout, or one JSON object with `--json`. Not a
test: nothing is judged.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
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
SLOW_S = 0.4
# Issue #17's goal for subscribe → first frame on loopback: the figure compared against.
GOAL_P95_MS = 150
FIRST_FRAME_TIMEOUT_S = 20.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> dict:
    return {"runs": len(values), "p50_ms": round(percentile(values, 0.5) * 1000, 1),
            "p95_ms": round(percentile(values, 0.95) * 1000, 1), "max_ms": round(max(values) * 1000, 1),
            "over_400_ms": sum(1 for v in values if v > SLOW_S)}


def progress(label: str, done: int, total: int, last: float) -> None:
    print(f"\r{label:28} {done:3}/{total}  last {last * 1000:6.0f} ms", end="" if done < total else "\n",
          file=sys.stderr, flush=True)


# MARK: Subscribers: set the node's offer, answer; then the wall-clock times of the first video RTP and frame


class AiortcSubscriber:
    name = "aiortc"

    def __init__(self):
        self.pc: RTCPeerConnection | None = None
        self.tasks: list[asyncio.Task] = []

    async def answer(self, offer: str) -> str:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        loop = asyncio.get_running_loop()
        self.first_rtp: asyncio.Future = loop.create_future()
        self.first_frame: asyncio.Future = loop.create_future()

        async def decode(track) -> None:
            try:
                while True:
                    await track.recv()
                    if track.kind == "video" and not self.first_frame.done():
                        self.first_frame.set_result(time.time())
            except MediaStreamError:
                pass

        @self.pc.on("track")
        def on_track(track) -> None:
            self.tasks.append(asyncio.ensure_future(decode(track)))

        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        for receiver in self.pc.getReceivers():
            if receiver.track is not None and receiver.track.kind == "video":
                self._watch_rtp(receiver)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.pc.localDescription.sdp

    def _watch_rtp(self, receiver) -> None:
        """Notes the first RTP packet the receiver is handed (after SRTP), then gets out of the way."""
        original = receiver._handle_rtp_packet

        async def handle(packet, arrival_time_ms):
            if not self.first_rtp.done():
                self.first_rtp.set_result(time.time())
            await original(packet, arrival_time_ms=arrival_time_ms)

        receiver._handle_rtp_packet = handle

    async def firsts(self) -> tuple[float, float]:
        rtp = await asyncio.wait_for(self.first_rtp, FIRST_FRAME_TIMEOUT_S)
        frame = await asyncio.wait_for(self.first_frame, FIRST_FRAME_TIMEOUT_S)
        return rtp, frame

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        if self.pc is not None:
            await self.pc.close()


CHROMIUM_ANSWER_JS = """
const [offer, done] = arguments;
(async () => {
  if (window.benchPc) window.benchPc.close();
  const pc = window.benchPc = new RTCPeerConnection({iceServers: []});
  window.benchFirsts = new Promise((resolve, reject) => {
    let rtp = null;
    const deadline = Date.now() + %d;
    const poll = async () => {
      if (pc.connectionState === 'closed') return reject('closed');
      const stats = await pc.getStats();
      for (const s of stats.values()) {
        if (s.type !== 'inbound-rtp' || s.kind !== 'video') continue;
        const now = performance.timeOrigin + performance.now();
        if (rtp === null && s.packetsReceived > 0) rtp = now;
        if (s.framesDecoded > 0) return resolve([rtp ?? now, now]);
      }
      if (Date.now() > deadline) return reject('no decoded frame');
      setTimeout(poll, 5);
    };
    poll();
  });
  await pc.setRemoteDescription({type: 'offer', sdp: offer});
  await pc.setLocalDescription(await pc.createAnswer());
  return pc.localDescription.sdp;
})().then(done, (e) => done({error: String(e)}));
""" % int(FIRST_FRAME_TIMEOUT_S * 1000)

CHROMIUM_FIRSTS_JS = """
const done = arguments[arguments.length - 1];
window.benchFirsts.then((t) => done(t.map((ms) => ms / 1000)), (e) => done({error: String(e)}));
"""


class ChromiumSubscriber:
    """One headless Chromium for every run; each run is a fresh RTCPeerConnection in it.

    Selenium blocks, so every call goes to a thread: the aiortc publisher in
    this process's event loop keeps sending meanwhile."""
    name = "chromium"

    def __init__(self, driver):
        self.driver = driver

    async def answer(self, offer: str) -> str:
        result = await asyncio.to_thread(self.driver.execute_async_script, CHROMIUM_ANSWER_JS, offer)
        if isinstance(result, dict):
            raise RuntimeError(f"chromium: {result}")
        return result

    async def firsts(self) -> tuple[float, float]:
        result = await asyncio.to_thread(self.driver.execute_async_script, CHROMIUM_FIRSTS_JS)
        if isinstance(result, dict):
            raise RuntimeError(f"chromium: {result}")
        return result[0], result[1]

    async def close(self) -> None:
        await asyncio.to_thread(self.driver.execute_script, "if (window.benchPc) window.benchPc.close();")


def start_chromium():
    from meet_e2e.browser import MeetBrowser
    browser = MeetBrowser("bench", "about:blank")
    browser.driver.set_script_timeout(FIRST_FRAME_TIMEOUT_S + 10)
    browser.driver.get("about:blank")
    return browser


# MARK: The two measurements


async def subscribed(watcher: Participant, publisher_id: str, subscriber) -> tuple[float, float, float]:
    """One subscription: wall-clock time of `subscribe`, of the first video RTP, of the first frame."""
    started = time.time()
    reply = await watcher.signal.request("subscribe", {"participantId": publisher_id})
    assert reply["type"] == "subscription", reply
    data = reply["data"]
    try:
        answer = await subscriber.answer(data["offer"])
        acked = await watcher.signal.request("subscribe-answer", {"transportId": data["transportId"], "answer": answer})
        assert acked["type"] == "ack", acked
        rtp, frame = await subscriber.firsts()
        if VERBOSE:
            print(f"\n    {subscriber.name}: "
                  f"first rtp {(rtp - started) * 1000:.0f}  first frame {(frame - started) * 1000:.0f}",
                  file=sys.stderr, flush=True)
        return started, rtp, frame
    finally:
        await watcher.signal.request("unsubscribe", {"transportId": data["transportId"]})
        await subscriber.close()


async def subscribe_to_frame(stack: Stack, subscriber, runs: int) -> list[float]:
    owner_token = stack.rest.register(f"Owner-{subscriber.name}-sub")
    code = stack.rest.create_meeting(owner_token)
    publisher, watcher = Participant("P"), Participant("S")
    values: list[float] = []
    try:
        await publisher.join(stack, code, replica=0, token=owner_token)
        await watcher.join(stack, code, replica=0)
        await publisher.publish()
        await asyncio.sleep(2)  # the publisher's connection up and its encoder running
        for run in range(runs):
            started, _, frame = await subscribed(watcher, publisher.id, subscriber)
            values.append(frame - started)
            progress(f"{subscriber.name} subscribe→frame", run + 1, runs, values[-1])
            await asyncio.sleep(0.2)
    finally:
        await watcher.close()
        await publisher.close()
    return values


async def publish_to_forwarded(stack: Stack, subscriber, runs: int) -> tuple[list[float], list[float]]:
    owner_token = stack.rest.register(f"Owner-{subscriber.name}-pub")
    code = stack.rest.create_meeting(owner_token)
    watcher = Participant("W")
    to_rtp: list[float] = []
    to_frame: list[float] = []
    try:
        await watcher.join(stack, code, replica=0, token=owner_token)
        for run in range(runs):
            publisher = Participant(f"P{run}")
            try:
                await publisher.join(stack, code, replica=0)
                started = time.time()
                await publisher.publish()
                _, rtp, frame = await subscribed(watcher, publisher.id, subscriber)
                to_rtp.append(rtp - started)
                to_frame.append(frame - started)
                progress(f"{subscriber.name} publish→rtp", run + 1, runs, to_rtp[-1])
            finally:
                await publisher.close()
            await asyncio.sleep(0.2)
    finally:
        await watcher.close()
    return to_rtp, to_frame


async def main(runs: int, kinds: list[str], as_json: bool) -> None:
    results: dict[str, dict] = {}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="meet-bench-first-frame-") as tmp:
        stack = Stack(Path(tmp), ws_replicas=1, sfu_nodes=1)
        browser = None
        try:
            for kind in kinds:
                if kind == "chromium":
                    browser = start_chromium()
                    subscriber = ChromiumSubscriber(browser.driver)
                else:
                    subscriber = AiortcSubscriber()
                results[f"{kind} subscribe→frame"] = summary(await subscribe_to_frame(stack, subscriber, runs))
                to_rtp, to_frame = await publish_to_forwarded(stack, subscriber, runs)
                results[f"{kind} publish→rtp"] = summary(to_rtp)
                results[f"{kind} publish→frame"] = summary(to_frame)
        finally:
            if browser is not None:
                browser.quit()
            stack.stop()
    load_after = os.getloadavg()
    goal = {kind: results[f"{kind} subscribe→frame"]["p95_ms"] < GOAL_P95_MS for kind in kinds}
    if as_json:
        print(json.dumps({"runs": runs, "loadavg_before": load_before, "loadavg_after": load_after,
                          "results": results, "goal_p95_ms": GOAL_P95_MS, "goal_met": goal}, indent=2, ensure_ascii=False))
        return
    print(f"{'measurement':28} {'runs':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'>400 ms':>8}")
    for label, s in results.items():
        print(f"{label:28} {s['runs']:5} {s['p50_ms']:8.0f} {s['p95_ms']:8.0f} {s['max_ms']:8.0f} {s['over_400_ms']:8}")
    for kind, met in goal.items():
        print(f"{kind} subscribe→frame p95 {'under' if met else 'NOT under'} the goal of {GOAL_P95_MS} ms")
    print("load average before %.2f %.2f %.2f, after %.2f %.2f %.2f" % (*load_before, *load_after))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", "--subscriptions", type=int, default=50, help="runs of each measurement (default 50)")
    parser.add_argument("--subscriber", choices=["aiortc", "chromium", "both"], default="both")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    parser.add_argument("--verbose", action="store_true", help="print when the first RTP and frame of each run came (ms)")
    arguments = parser.parse_args()
    VERBOSE = arguments.verbose
    kinds = ["aiortc", "chromium"] if arguments.subscriber == "both" else [arguments.subscriber]
    asyncio.run(main(arguments.runs, kinds, arguments.json))
