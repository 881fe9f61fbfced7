"""The idle-cost benchmark (issue #17 item 3): what a meet-sfu node costs
while it holds transports that carry (almost) nothing.

    scripts/bench-idle [--counts 0,1,100] [--window S] [--media] [--json]
                                                 (starts PostgreSQL and Redis itself)

One real meet-sfu process (log level info, like production) on loopback.
For each count in turn it tops the node up to that many publisher
transports (`sfu.create-publisher` over the bus, as meet-ws does), waits
until they are connected (ICE and DTLS) and 2 s more, then reads the
node's CPU time (utime + stime of /proc/<pid>/stat) and its context
switches (voluntary + involuntary, summed over /proc/<pid>/task/*/status:
how often its threads wake) at the start and the end of a fixed window
(default 20 s), and its datagram counters (/metrics) around it. Printed:
CPU as % of one core, the per-transport increment over the previous count,
wake-ups per second, and datagrams in and out per second (what the peers
send and the node answers, as against the node's own timers).

The publishers are aiortc peers with an audio and a video transceiver,
`sendonly`, and no track: connected transports that send no media, only
what a WebRTC stack sends anyway (ICE consent checks every ~5 s, aiortc's
RTCP sender reports). With `--media` each also sends aiortc's Opus and
320×240 VP8 at 30 fps (publishers with no subscribers; the Python side
then costs far more CPU than the node, which skews the node's figure on
a small machine). No subscribers in either case. Not a test: nothing is
judged.
"""
from __future__ import annotations

import argparse
import asyncio
import glob
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Tests" / "e2e"))
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription  # noqa: E402
from aiortc.mediastreams import AudioStreamTrack  # noqa: E402
from meet_e2e.env import redis_url_from_env  # noqa: E402
from meet_e2e.media import SizedVideoTrack, force_codecs  # noqa: E402  (importing it keeps aiortc on loopback)
from meet_e2e.sfu import BusClient, SFUNode, read_record  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SETTLE_S = 2.0
CONNECT_TIMEOUT_S = 60.0


def cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process (fields 14 and 15 of /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def context_switches(pid: int) -> int:
    """Voluntary + involuntary context switches over every thread of the process."""
    total = 0
    for path in glob.glob(f"/proc/{pid}/task/*/status"):
        try:
            with open(path) as status:
                for line in status:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass  # a thread that ended meanwhile
    return total


def datagrams(node: SFUNode) -> tuple[float, float]:
    """The node's UDP datagrams received and sent so far (its /metrics counters)."""
    totals = {"meet_rtc_datagrams_received_total": 0.0, "meet_rtc_datagrams_sent_total": 0.0}
    for line in node.http_text("/metrics").splitlines():
        name, _, value = line.partition(" ")
        if name.split("{")[0] in totals:
            totals[name.split("{")[0]] += float(value.split()[0])
    return totals["meet_rtc_datagrams_received_total"], totals["meet_rtc_datagrams_sent_total"]


async def publisher(bus: BusClient, node: SFUNode, index: int, media: bool) -> RTCPeerConnection:
    """One connected publisher transport on the node."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    if media:
        pc.addTrack(AudioStreamTrack())
        pc.addTrack(SizedVideoTrack())
    else:
        pc.addTransceiver("audio", direction="sendonly")
        pc.addTransceiver("video", direction="sendonly")
    force_codecs(pc)
    await pc.setLocalDescription(await pc.createOffer())
    reply = await bus.request(node.inbox, "sfu.create-publisher", {
        "participantId": f"idle-{index}", "roomId": f"idle-room-{index}", "offer": pc.localDescription.sdp})
    await pc.setRemoteDescription(RTCSessionDescription(sdp=reply["answer"], type="answer"))
    return pc


async def top_up(bus: BusClient, node: SFUNode, peers: list, count: int, media: bool) -> None:
    """Adds publishers until there are `count`, all connected. One bus request at a
    time (the bus client reads one reply at a time); the connections come up
    meanwhile."""
    while len(peers) < count:
        peers.append(await publisher(bus, node, len(peers), media))
        print(f"\r  {len(peers)}/{count} transports created", end="", file=sys.stderr, flush=True)
    deadline = time.monotonic() + CONNECT_TIMEOUT_S
    while any(pc.connectionState != "connected" for pc in peers):
        if time.monotonic() > deadline:
            states = [pc.connectionState for pc in peers]
            raise RuntimeError(f"not all connected after {CONNECT_TIMEOUT_S} s: {states}")
        await asyncio.sleep(0.2)
    if count:
        print(f"\r  {count}/{count} transports connected", file=sys.stderr, flush=True)


async def measure(node: SFUNode, window: float) -> dict:
    pid = node.process.pid
    in0, out0 = datagrams(node)
    cpu0, switches0, t0 = cpu_seconds(pid), context_switches(pid), time.monotonic()
    remaining = window
    while remaining > 0:  # a progress line a second
        await asyncio.sleep(min(1.0, remaining))
        remaining = window - (time.monotonic() - t0)
        print(f"\r  measuring {window - max(0, remaining):4.0f}/{window:.0f} s", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    cpu1, switches1, t1 = cpu_seconds(pid), context_switches(pid), time.monotonic()
    in1, out1 = datagrams(node)
    seconds = t1 - t0
    return {"window_s": round(seconds, 2), "cpu_percent": round(100 * (cpu1 - cpu0) / seconds, 2),
            "cpu_seconds": round(cpu1 - cpu0, 3), "wakeups_per_s": round((switches1 - switches0) / seconds, 1),
            "datagrams_in_per_s": round((in1 - in0) / seconds, 1), "datagrams_out_per_s": round((out1 - out0) / seconds, 1)}


async def main(counts: list[int], window: float, media: bool, as_json: bool) -> None:
    results: list[dict] = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="meet-bench-idle-") as tmp:
        node = SFUNode(Path(tmp), redis_url_from_env(), extra_env={"MEET_LOG_LEVEL": os.environ.get("MEET_LOG_LEVEL", "info")})
        bus = BusClient(redis_url_from_env())
        await bus.start()
        peers: list[RTCPeerConnection] = []
        try:
            for count in counts:
                print(f"{count} transports", file=sys.stderr, flush=True)
                await top_up(bus, node, peers, count, media)
                await asyncio.sleep(SETTLE_S)
                record = read_record(node) or {}
                result = {"transports": count, "node_reports": (record.get("load") or {}).get("transports"),
                          **await measure(node, window), "loadavg": os.getloadavg()}
                results.append(result)
        finally:
            for pc in peers:
                await pc.close()
            await bus.close()
            node.stop()
    if as_json:
        print(json.dumps({"media": media, "loadavg_before": load_before, "results": results}, indent=2))
        return
    print(f"{'transports':>10} {'CPU % of a core':>16} {'per extra transport':>20} {'wake-ups/s':>11} {'datagrams in/out per s':>23} {'load avg 1 min':>15}")
    previous = None
    for r in results:
        extra = ""
        if previous is not None and r["transports"] > previous["transports"]:
            extra = f"{(r['cpu_percent'] - previous['cpu_percent']) / (r['transports'] - previous['transports']):+.3f}"
        print(f"{r['transports']:>10} {r['cpu_percent']:>16.2f} {extra:>20} {r['wakeups_per_s']:>11.1f} {r['datagrams_in_per_s']:>11.1f} /{r['datagrams_out_per_s']:>10.1f} {r['loadavg'][0]:>15.2f}")
        previous = r
    print(f"window {window:.0f} s each; {'aiortc media' if media else 'no media (sendonly, no track)'}; "
          f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", default="0,1,100", help="transport counts, ascending (default 0,1,100)")
    parser.add_argument("--window", type=float, default=20.0, help="seconds measured at each count (default 20)")
    parser.add_argument("--media", action="store_true", help="publishers send aiortc audio and video")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    arguments = parser.parse_args()
    counts = sorted(int(c) for c in arguments.counts.split(","))
    asyncio.run(main(counts, arguments.window, arguments.media, arguments.json))
