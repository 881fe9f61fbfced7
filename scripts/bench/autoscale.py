"""The SFU autoscaling simulation (issue #22, scripts/sim-autoscale).

A meeting from meet-load (Tools/MeetLoad) joins a local stack of three SFU
nodes. This script plays the two parts of Kubernetes a laptop has not got:

- the HPA: once half the participants are in, it adds a fourth node
  (scale-out), and once all are in and the load has settled, it removes
  two, one at a time (scale-in 4 -> 3 -> 2), waiting for each to exit;
- the pod-deletion-cost: each scale-in picks the node with the fewest
  transports (meet_sfu_publishers + meet_sfu_subscribers on its /metrics,
  the count each node writes to its pod's annotation) and sends it SIGTERM,
  as the kubelet does to the pod the ReplicaSet deletes.

`--probe` measures each drain's video gap: before the SIGTERM, two aiortc
publishers are placed on the chosen node (placement hint) with three aiortc
subscribers, and the largest gap between two decoded frames each subscriber
sees around the drain is printed (Tests/e2e's migration scenario; it also
checks that nobody of the probe left and the node exited 0).
`--baseline` runs the same meeting on three nodes without scaling, for the
freezes that the machine's load causes by itself.

It prints where the participants who joined after the scale-out were placed
(a fresh node must take them), how long each drain took (SIGTERM to exit),
the publishers on the remaining nodes against those before (every one must
have moved), meet-load's freezes and errors, and the participants lost
(everyone publishes, so: publishers before the scale-in that are not on the
remaining nodes after it; a join that failed before any scaling is counted
apart): it exits 1 unless that is 0, the scale-out node took publishers and
both drained nodes exited 0.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Tests" / "e2e"))
from meet_e2e.load import meet_load_command  # noqa: E402
from meet_e2e.migration import node_leaves  # noqa: E402  (importing it keeps aiortc on loopback)
from meet_e2e.stack import Stack  # noqa: E402

DRAIN_TIMEOUT = 20
# A gap between two video frames longer than this counts as a freeze (meet-load).
FREEZE_MS = 250


def gauges(node) -> dict[str, float]:
    with urllib.request.urlopen(node.base_url + "/metrics", timeout=5) as response:
        text = response.read().decode()
    out: dict[str, float] = {}
    for name in ("meet_sfu_publishers", "meet_sfu_subscribers", "meet_sfu_packets_out_per_second_per_core"):
        match = re.search(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M)
        out[name] = float(match.group(1)) if match else 0.0
    return out


def transports(node) -> int:
    g = gauges(node)
    return int(g["meet_sfu_publishers"] + g["meet_sfu_subscribers"])


def live(stack: Stack) -> list:
    return [n for n in stack.nodes if n.process.poll() is None]


def snapshot(stack: Stack) -> str:
    parts = []
    for n in live(stack):
        g = gauges(n)
        parts.append(f"{n.name}: {int(g['meet_sfu_publishers'])} pub / {int(g['meet_sfu_subscribers'])} sub, "
                     f"{g['meet_sfu_packets_out_per_second_per_core']:.0f} pkt/s/core")
    return "; ".join(parts)


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")


def main(args: argparse.Namespace) -> int:
    participants, publishers = (6, 3) if args.short else (args.participants, args.publishers)
    join_rate = 1.0
    ramp = participants / join_rate
    settle = 10.0
    # Hold long enough for both drains (each at most DRAIN_TIMEOUT) and a settle after each.
    duration = 2 * (DRAIN_TIMEOUT + settle) + settle + (0 if args.short else 30)
    started = time.monotonic()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="meet-sim-autoscale-") as tmp:
        stack = Stack(Path(tmp), ws_replicas=2, sfu_nodes=3,
                      node_env={"MEET_SFU_DRAIN_TIMEOUT": str(DRAIN_TIMEOUT), "MEET_LOG_LEVEL": "info"},
                      # Hints on for the probe's publishers only (meet-load sends none).
                      ws_env={"MEET_LOG_LEVEL": "info"})
        load = None
        try:
            command = meet_load_command(
                stack, "--participants", str(participants), "--publishers", str(publishers),
                # Everyone else publishes audio: the late joiners are publishers to place too.
                "--audio-only", "1", "--freeze-ms", str(FREEZE_MS), "--join-rate", str(join_rate), "--duration", str(duration), "--quiet")
            load = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            print(f"meet-load: {participants} participants ({publishers} video publishers, the rest audio), "
                  f"{join_rate}/s, hold {duration:.0f} s; 3 SFU nodes", flush=True)

            # HPA +1 once half the meeting is in.
            time.sleep(ramp / 2)
            print(f"t={time.monotonic() - started:5.1f} s  before scale-out: {snapshot(stack)}", flush=True)
            fresh = stack.add_node() if not args.baseline else None
            if fresh:
                print(f"t={time.monotonic() - started:5.1f} s  scale-out: {fresh.name} started (4 nodes)", flush=True)
            time.sleep(ramp / 2 + settle)
            print(f"t={time.monotonic() - started:5.1f} s  all joined: {snapshot(stack)}", flush=True)
            fresh_publishers = int(gauges(fresh)["meet_sfu_publishers"]) if fresh else 0
            publishers_before = sum(int(gauges(n)["meet_sfu_publishers"]) for n in live(stack))

            drains = []
            probe_gaps: list[float] = []
            for step in (() if args.baseline else (1, 2)):
                counts = {n.name: transports(n) for n in live(stack)}
                victim = min(live(stack), key=lambda n: (counts[n.name], n.name))
                t0 = time.monotonic()
                print(f"t={t0 - started:5.1f} s  scale-in {step}: SIGTERM {victim.name} "
                      f"(deletion cost {counts[victim.name]}, lowest of {counts})"
                      + (", with the aiortc probe on it" if args.probe else ""), flush=True)
                if args.probe:
                    # Two aiortc publishers placed on the victim, three aiortc subscribers: the
                    # largest video gap each sees around the SIGTERM (meet_e2e.migration).
                    result = asyncio.run(node_leaves(stack, victim, "drain", drain_timeout=DRAIN_TIMEOUT + 20))
                    probe_gaps.extend(g for per in result["gaps"].values() for g in per.values())
                    exit_seconds = result["node_exit_seconds"]
                else:
                    victim.process.send_signal(15)
                    wait_for(lambda: victim.process.poll() is not None, DRAIN_TIMEOUT + 20, f"{victim.name} to exit")
                    exit_seconds = time.monotonic() - t0
                drains.append((victim.name, counts[victim.name], exit_seconds, victim.process.returncode))
                print(f"t={time.monotonic() - started:5.1f} s  {victim.name} exited {victim.process.returncode} "
                      f"after {drains[-1][2]:.1f} s; {len(live(stack))} nodes", flush=True)
                time.sleep(settle)
                print(f"t={time.monotonic() - started:5.1f} s  {snapshot(stack)}", flush=True)
            if args.baseline:
                time.sleep(2 * settle)  # as long as two quick drains and their settles
            publishers_after = sum(int(gauges(n)["meet_sfu_publishers"]) for n in live(stack))

            stdout, stderr = load.communicate(timeout=duration + ramp + 180)
            if load.returncode != 0:
                print(stderr[-3000:], file=sys.stderr)
                raise SystemExit(f"meet-load exited with {load.returncode}")
            report = json.loads(stdout)
        finally:
            if load is not None and load.poll() is None:
                load.kill()
            stack.stop()

    # Everyone publishes (video or audio), so a participant lost to a scale-in is a
    # publisher transport missing afterwards. One that never got in (a join that
    # failed under load, before any scaling) is a join failure, printed apart.
    lost = max(0, publishers_before - publishers_after)
    join_failures = report["participants"]["planned"] - report["participants"]["joined"]
    s = report["subscribers"]
    load_after = os.getloadavg()
    print()
    print(f"participants: {report['participants']['planned']} planned, {report['participants']['joined']} joined "
          f"({join_failures} join failures); "
          f"publisher transports {publishers_before} before scale-in, {publishers_after} after")
    print(f"scale-out: the new node took {fresh_publishers} publisher(s) of those who joined after it started")
    for name, cost, seconds, code in drains:
        print(f"scale-in: {name} (cost {cost}) drained and exited {code} in {seconds:.1f} s")
    if probe_gaps:
        print(f"probe: largest video gap per (aiortc subscriber, publisher) around each drain: "
              f"median {statistics.median(probe_gaps) * 1000:.0f} ms, max {max(probe_gaps) * 1000:.0f} ms "
              f"({len(probe_gaps)} pairs)")
    print(f"media: video freezes (gaps > {FREEZE_MS} ms, whole run) {s['freezes']} ({s['subscribersWithFreezes']} subscribers), "
          f"frozen {s['frozenShare'] * 100:.2f} % of watched time; loss {report['loss']['ratio'] * 100:.2f} %; "
          f"migrations followed {report['otherEvents'].get('migrate', 0)}; errors {report['errorsTotal']} {report['errors']}")
    print(f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after; {time.monotonic() - started:.0f} s in all")
    print(f"participants lost: {lost}")
    ok = lost == 0 and (args.baseline or fresh_publishers > 0) and all(code == 0 for *_, code in drains)
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="6 participants, shorter hold (for scripts/test)")
    parser.add_argument("--participants", type=int, default=12)
    parser.add_argument("--publishers", type=int, default=4)
    parser.add_argument("--probe", action="store_true",
                        help="measure each drain's video gap with aiortc clients placed on the drained node")
    parser.add_argument("--baseline", action="store_true",
                        help="the same meeting on 3 nodes with no scaling: the freezes the machine's load causes alone")
    sys.exit(main(parser.parse_args()))
