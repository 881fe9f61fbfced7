"""A poll answered by every participant of a large meeting, through
meet-load (`--poll-after`; docs/load-testing.md, Polls).

    scripts/bench-load-poll [--participants 200] [--publishers 0] [--poll-after 5] [-- meet-load options]

meet-api and two meet-ws replicas (and one meet-sfu node when
`--publishers` is above 0); meet-load joins the participants (guests,
alternating replicas), its owner account joins as the host, and
`--poll-after` seconds after the last join the host creates and launches a
poll; every participant votes as soon as it sees it; once the host's live
tally counts them all it closes the poll, which delivers the results to
everyone. Printed: meet-load's poll figures (launch → poll open at each
participant, vote round trip, launch → results at each participant,
close → results, the time until every vote was counted and until everyone
had the results, errors) and each meet-ws replica's CPU over the poll
(sampled every 0.1 s, from the launch to a second after the last
results). Not a test: nothing is judged.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Tests" / "e2e"))
from meet_e2e.load import meet_load_command  # noqa: E402
from meet_e2e.stack import Stack  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Sampler(threading.Thread):
    """(wall time, CPU seconds by process) every `interval` seconds until stopped."""

    def __init__(self, processes: dict[str, int], interval: float = 0.1):
        super().__init__(daemon=True)
        self.processes, self.interval = processes, interval
        self.samples: list[tuple[float, dict[str, float]]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.samples.append((time.time(), {n: cpu_seconds(p) for n, p in self.processes.items()}))
            self.stopped.wait(self.interval)

    def usage(self, start: float, end: float) -> dict[str, tuple[float, float]]:
        """CPU seconds and % of one core per process between the samples around [start, end]."""
        before = max((s for s in self.samples if s[0] <= start), default=self.samples[0], key=lambda s: s[0])
        after = min((s for s in self.samples if s[0] >= end), default=self.samples[-1], key=lambda s: s[0])
        wall = max(after[0] - before[0], 1e-6)
        return {n: (after[1][n] - before[1][n], (after[1][n] - before[1][n]) / wall * 100) for n in self.processes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--publishers", type=int, default=0)
    parser.add_argument("--poll-after", type=float, default=5)
    parser.add_argument("--join-rate", type=float, default=20)
    parser.add_argument("--json", action="store_true", help="also print meet-load's report as JSON")
    parser.add_argument("extra", nargs="*", help="more meet-load options (after --)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="meet-bench-load-poll-") as tmp:
        stack = Stack(Path(tmp), ws_replicas=2, sfu_nodes=1 if args.publishers else 0,
                      ws_env={"MEET_LOG_LEVEL": "warning"}, node_env={"MEET_LOG_LEVEL": "warning"})
        try:
            sampler = Sampler({r.name: r.process.pid for r in stack.replicas})
            sampler.start()
            duration = args.poll_after + 15
            report = json.loads(subprocess.run(
                meet_load_command(stack, "--participants", str(args.participants), "--publishers", str(args.publishers),
                                  "--join-rate", str(args.join_rate), "--duration", str(duration),
                                  "--poll-after", str(args.poll_after), "--quiet", *args.extra),
                capture_output=True, text=True, check=True, timeout=args.participants / args.join_rate + duration + 180,
            ).stdout)
            sampler.stopped.set()
            sampler.join()
        finally:
            stack.stop()
    poll = report["poll"]
    launched = poll["launchedAtUnix"][0]
    everyone = poll["everyoneHasResultsMs"][0]
    end = launched + (everyone if everyone is not None else poll["resultsMs"]["max"]) / 1000 + 1
    usage = sampler.usage(launched, end)

    def dist(name: str) -> str:
        d = poll[name]
        return f"p50 {d['p50']:.1f}  p95 {d['p95']:.1f}  p99 {d['p99']:.1f}  max {d['max']:.1f} ms (n={d['count']})"

    counted = poll["allCountedMs"][0]
    print(f"{report['participants']['joined']} of {report['participants']['planned']} participants joined, "
          f"{args.publishers} video publishers; {poll['votesCounted']} of {poll['votersPlanned']} votes counted; "
          f"results to {poll['resultsDelivered']} ({poll['incompleteResults']} incomplete)")
    print(f"  launch -> poll open at a participant   {dist('openMs')}")
    print(f"  vote -> its reply                      {dist('voteMs')}")
    print(f"  launch -> results at a participant     {dist('resultsMs')}")
    print(f"  close -> results at a participant      {dist('closeFanOutMs')}")
    print(f"  launch -> every vote counted (host)    {'never' if counted is None else f'{counted:.0f} ms'}")
    print(f"  launch -> everyone has the results     {'never' if everyone is None else f'{everyone:.0f} ms'}")
    print("  errors " + (", ".join(f"{k} {v}" for k, v in sorted(report["errors"].items())) or "none"))
    print("  meet-ws CPU over the poll (launch to 1 s after the last results): "
          + ", ".join(f"{n} {s:.2f} s ({p:.0f} % of a core)" for n, (s, p) in usage.items()))
    if args.json:
        print(json.dumps(report, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
