"""The upstream bandwidth benchmark: a Chromium publisher's send-side
bandwidth estimate through one meet-sfu node, with transport-wide feedback
(MEET_SFU_TRANSPORT_CC=true, the default) and without it (false), in one run.

    scripts/bench-bwe [--runs N] [--seconds S]   (starts PostgreSQL and Redis itself)

Each run: a fresh meeting, two headless Chromium guests (fake camera, 640×360),
one watching the other. From the moment the publisher's connection reports
an estimate, `meetDebug.publisherStats()` is sampled every 0.5 s: the
selected candidate pair's `availableOutgoingBitrate` (what the congestion
controller thinks the path carries) and the video sender's `targetBitrate`
(what it asks the encoder for). Printed: the estimate at 2, 5 and 10 s, the
time until it first reaches 1 Mbit/s, and the target at 10 s; medians over
the runs. Not a test: nothing is judged.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

# The support code of the end-to-end tests (Tests/e2e/meet_e2e).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Tests" / "e2e"))
from meet_e2e.browser import MeetBrowser  # noqa: E402
from meet_e2e.browser_flows import guests_in_a_meeting, wait_decoding  # noqa: E402
from meet_e2e.env import WEB_DIR  # noqa: E402
from meet_e2e.stack import Stack  # noqa: E402


def sample(publisher: MeetBrowser, seconds: float) -> list[tuple[float, float, float]]:
    """(elapsed s, estimate bit/s, target bit/s) every 0.5 s from the first estimate."""
    start = None
    samples = []
    deadline = time.monotonic() + seconds + 30
    while time.monotonic() < deadline:
        stats = publisher.js_async("window.meetDebug.publisherStats()") or {}
        estimate = stats.get("availableOutgoingBitrate")
        if estimate is not None:
            now = time.monotonic()
            start = start or now
            target = max((v.get("targetBitrate") or 0 for v in stats.get("video", [])), default=0)
            samples.append((now - start, float(estimate), float(target)))
            if now - start >= seconds:
                return samples
        time.sleep(0.5)
    raise RuntimeError(f"no estimate for {seconds} s: {samples[-3:]}")


def at(samples, second: float, column: int) -> float:
    return next((s[column] for s in samples if s[0] >= second), samples[-1][column])


def first_reaching(samples, level: float) -> float | None:
    return next((s[0] for s in samples if s[1] >= level), None)


def summary(label: str, runs: list, seconds: float) -> str:
    """Medians over the runs, in Mbit/s and seconds."""
    def median_at(second: float, column: int) -> float:
        return statistics.median(at(r, second, column) for r in runs) / 1e6

    reached = [t for t in (first_reaching(r, 1_000_000) for r in runs) if t is not None]
    reach = f"{statistics.median(reached):4.1f} s" if len(reached) == len(runs) else f"not within {seconds:.0f} s"
    return (f"{label}  runs {len(runs)}  estimate at 2 s {median_at(2, 1):5.2f}, 5 s {median_at(5, 1):5.2f}, "
            f"10 s {median_at(10, 1):5.2f} Mbit/s  to 1 Mbit/s {reach}  encoder target at 10 s {median_at(10, 2):5.2f} Mbit/s")


def one_run(stack: Stack, seconds: float) -> list[tuple[float, float, float]]:
    people = guests_in_a_meeting(stack, "BWE bench", ["Sender", "Watcher"])
    try:
        sender, watcher = people
        samples = sample(sender, seconds)
        wait_decoding(watcher, sender.state()["me"], "camera")
        return samples
    finally:
        for person in people:
            person.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=12)
    args = parser.parse_args()
    os.environ["MEET_WEB_DIR"] = str(WEB_DIR)
    for feedback in ("true", "false"):
        with tempfile.TemporaryDirectory() as tmp:
            stack = Stack(Path(tmp), ws_replicas=1, sfu_nodes=1, node_env={"MEET_SFU_TRANSPORT_CC": feedback})
            try:
                runs = [one_run(stack, args.seconds) for _ in range(args.runs)]
            finally:
                stack.stop()
        print(summary("with feedback   " if feedback == "true" else "without feedback", runs, args.seconds), flush=True)


if __name__ == "__main__":
    main()
