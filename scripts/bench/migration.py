"""The migration benchmark: the drain and crash scenarios of
test_sfu_migration.py, run again and again against one stack, printing the
distribution of the largest video gap a subscriber sees (p50, p99, max).

    scripts/bench-migration [--runs N]        (starts PostgreSQL and Redis itself)

Every run uses a fresh meeting (publishers A and B on one node, subscribers
C, D, E watching both); the node that left is replaced by a new one so that
three nodes serve at the start of each run. Not a test: it asserts what the
scenario asserts (the meeting survives) but prints the timings instead of
judging them.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

# The support code of the end-to-end tests (Tests/e2e/meet_e2e).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Tests" / "e2e"))
from meet_e2e.migration import node_leaves, summary  # noqa: E402  (importing it keeps aiortc on loopback)
from meet_e2e.stack import Stack  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def report(how: str, gaps: list[float], exits: list[float]) -> str:
    line = (f"{how:5}  samples {len(gaps):3}  gap p50 {percentile(gaps, 0.5) * 1000:6.0f} ms  "
            f"p99 {percentile(gaps, 0.99) * 1000:6.0f} ms  max {max(gaps) * 1000:6.0f} ms  "
            f"mean {statistics.mean(gaps) * 1000:6.0f} ms")
    if exits:
        line += f"  node exit after SIGTERM: median {statistics.median(exits):.1f} s, max {max(exits):.1f} s"
    return line


async def main(runs: int, kinds: list[str], per_node: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="meet-bench-migration-") as tmp:
        stack = Stack(Path(tmp), sfu_nodes=3, node_env={"MEET_SFU_DRAIN_TIMEOUT": "20", "MEET_LOG_LEVEL": "info"})
        try:
            results: dict[str, list[dict]] = {kind: [] for kind in kinds}
            for run in range(runs):
                for kind in kinds:
                    node = next(n for n in stack.nodes if n.process.poll() is None)
                    started = time.monotonic()
                    result = await node_leaves(stack, node, kind, drain_timeout=20, per_node=per_node)
                    results[kind].append(result)
                    print(f"run {run + 1}/{runs} {summary(result)} ({time.monotonic() - started:.0f} s)", flush=True)
                    if node.process.poll() is None:
                        node.stop()
                    stack.add_node()
                    await asyncio.sleep(1.0)  # the replacement's first heartbeats
            print()
            print("largest video gap per (subscriber, publisher) pair around the event:")
            for kind, items in results.items():
                gaps = [g for r in items for per in r["gaps"].values() for g in per.values()]
                exits = [r["node_exit_seconds"] for r in items if "node_exit_seconds" in r]
                print(report(kind, gaps, exits))
        finally:
            stack.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--only", choices=["drain", "kill"], help="one scenario only")
    parser.add_argument("--per-node", action="store_true", help="subscribers on one connection per node (perNode)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs, [arguments.only] if arguments.only else ["drain", "kill"], arguments.per_node))
