"""The meet-load benchmark: meet-load against a local stack (meet-api, two
meet-ws replicas, two meet-sfu nodes) at a few meeting sizes, one meeting
each, the same stack throughout.

    scripts/bench-load [--participants 10,20] [--publishers 4] [--duration 20] [--join-rate 5] [-- meet-load options]

For each size it runs meet-load to the end and prints meet-load's figures
(join p50/p95/p99, first frame, frames per second per video subscription,
freezes, received kbit/s per subscriber, loss, errors) and, sampled over
the hold phase (after the last join, a second's margin each side), each
process's CPU in % of one core and each node's datagrams out per second
(`meet_rtc_datagrams_sent_total` on its /metrics). meet-load runs on the
same machine, so its own CPU is shown too. Not a test: nothing is judged.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

# The support code of the end-to-end tests (Tests/e2e/meet_e2e).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Tests" / "e2e"))
from meet_e2e.load import meet_load_command  # noqa: E402
from meet_e2e.stack import Stack  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (/proc/PID/stat fields 14, 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def datagrams_out(node) -> float:
    with urllib.request.urlopen(node.base_url + "/metrics", timeout=5) as response:
        text = response.read().decode()
    return sum(float(m.group(1)) for m in re.finditer(r"^meet_rtc_datagrams_sent_total(?:\{[^}]*\})? (\S+)$", text, re.M))


def sample(processes: dict[str, int], nodes) -> tuple[float, dict[str, float], dict[str, float]]:
    return (time.monotonic(), {name: cpu_seconds(pid) for name, pid in processes.items()},
            {node.name: datagrams_out(node) for node in nodes})


def run_size(stack: Stack, participants: int, args: argparse.Namespace) -> dict:
    command = meet_load_command(
        stack, "--participants", str(participants), "--publishers", str(args.publishers),
        "--join-rate", str(args.join_rate), "--duration", str(args.duration), "--quiet", *args.extra)
    load = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    processes = {p.name: p.process.pid for p in stack.processes}
    processes["meet-load"] = load.pid
    ramp = participants / args.join_rate
    time.sleep(ramp + 1.5)
    first = sample(processes, stack.nodes)
    time.sleep(max(1.0, args.duration - 3.0))
    last = sample(processes, stack.nodes)
    stdout, stderr = load.communicate(timeout=args.duration + ramp + 120)
    if load.returncode != 0:
        raise SystemExit(f"meet-load exited with {load.returncode}:\n{stderr[-3000:]}")
    report = json.loads(stdout)
    wall = last[0] - first[0]
    report["bench"] = {
        "cpuPercent": {name: round((last[1][name] - first[1][name]) / wall * 100, 1) for name in processes},
        "datagramsOutPerSecond": {name: round((last[2][name] - first[2][name]) / wall) for name in last[2]},
        "sampledSeconds": round(wall, 1),
    }
    return report


def summary(participants: int, report: dict) -> str:
    s, bench = report["subscribers"], report["bench"]
    errors = ", ".join(f"{k} {v}" for k, v in sorted(report["errors"].items())) or "none"
    return "\n".join([
        f"{participants} participants, {report['config']['videoPublishersPerMeeting']} video publishers: "
        f"{report['participants']['joined']} joined, {report['subscriptions']['total']} subscriptions "
        f"({report['subscriptions']['withMedia']} with media)",
        f"  join ms p50/p95/p99 {report['joinMs']['p50']:.0f}/{report['joinMs']['p95']:.0f}/{report['joinMs']['p99']:.0f}"
        f"  first frame ms p50/p95 {report['firstFrameMs']['p50']:.0f}/{report['firstFrameMs']['p95']:.0f}",
        f"  video fps per subscription p50 {s['videoFramesPerSecondPerSubscription']['p50']:.1f}"
        f" (min {s['videoFramesPerSecondPerSubscription']['min']:.1f})  freezes {s['freezes']}"
        f" ({s['frozenShare'] * 100:.2f} % of watched time)  loss {report['loss']['ratio'] * 100:.2f} %"
        f"  sent fps per publisher {report['sent']['videoFramesPerSecondPerPublisher']:.1f}",
        f"  received kbit/s per subscriber p50 {s['receivedKbpsPerSubscriber']['p50']:.0f}"
        f" max {s['receivedKbpsPerSubscriber']['max']:.0f}  errors {report['errorsTotal']} ({errors})",
        *([f"  active-speakers: a new speaker heard p50/p95/p99 {report['activeSpeakers']['changeMs']['p50']:.0f}/"
           f"{report['activeSpeakers']['changeMs']['p95']:.0f}/{report['activeSpeakers']['changeMs']['p99']:.0f} ms"
           f" ({report['activeSpeakers']['timed']} of {report['activeSpeakers']['turns']} turns heard)"]
          if report.get("activeSpeakers") else []),
        *([f"  simulcast (--simulcast): {report['simulcast']['publisherLayerMessages']} publisher-layers applied; sent per publisher "
           + ", ".join(f"{layer['rid']} {layer['kbpsPerPublisher']:.0f} kbit/s (off {layer['offShare'] * 100:.0f} %,"
                       f" stopped {layer['stops']}x, resumed {layer['resumes']}x)" for layer in report["simulcast"]["layers"]),
           "  simulcast: video subscriptions by the layer the node forwarded (keyframe height): "
           + ", ".join(f"{height} px {count} ({report['simulcast']['receivedKbpsByHeight'].get(height, 0):.0f} kbit/s each)"
                       for height, count in sorted(report["simulcast"]["subscriptionsByReceivedHeight"].items()))]
          if report.get("simulcast") else []),
        "  CPU % of a core over " + f"{bench['sampledSeconds']} s: "
        + ", ".join(f"{k} {v}" for k, v in bench["cpuPercent"].items()),
        "  datagrams out/s: " + ", ".join(f"{k} {v}" for k, v in bench["datagramsOutPerSecond"].items()),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", default="10,20", help="comma-separated meeting sizes")
    parser.add_argument("--publishers", type=int, default=4, help="video publishers per meeting")
    parser.add_argument("--duration", type=float, default=20, help="seconds to hold after the last join")
    parser.add_argument("--join-rate", type=float, default=5)
    parser.add_argument("--json", action="store_true", help="also print every report as JSON")
    parser.add_argument("extra", nargs="*", help="more meet-load options (after --)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="meet-bench-load-") as tmp:
        stack = Stack(Path(tmp), ws_replicas=2, sfu_nodes=2, node_env={"MEET_LOG_LEVEL": "warning"},
                      ws_env={"MEET_LOG_LEVEL": "warning"})
        try:
            for participants in (int(p) for p in args.participants.split(",")):
                report = run_size(stack, participants, args)
                print(summary(participants, report), flush=True)
                if args.json:
                    print(json.dumps(report, indent=1, sort_keys=True), flush=True)
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
