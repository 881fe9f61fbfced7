"""The allocation benchmark (#16 item 6): one Chromium publisher (the web
client, fake camera at 1280×720, three simulcast layers) and three Chromium
subscribers (the web client, camera and microphone off) on one meet-sfu
node. One subscriber sits in a network namespace behind a veth pair whose
downlink `tc tbf` shapes (Tests/e2e/meet_e2e/shaping.py); the others are
unshaped. The shaping steps (default 2000, 500, 150 kbit/s, then unshaped)
last `--step` seconds each. The same scenario runs with simulcast on and
off (`?simulcast=0`: the camera as one stream) for the ratio.

    scripts/bench-allocation [--step S] [--steps 2000,500,150,0] [--warmup S] [--modes simulcast,single]

Every second, each subscriber's inbound-rtp of the publisher's camera
(`meetDebug.stats()`): frame height (the layer), kbit/s, frames decoded,
`freezeCount`, `totalFreezesDuration`; and the publisher's kbit/s per RID.
Printed: a row per second, then a summary per step and subscriber (median
height, mean kbit/s and fps, freezes, frozen time, the longest freeze as
Chromium's frozen time per freeze in one second's sample, the longest run
of samples without a new frame). Not a test: nothing is judged. The
machine's load average is printed with every step. Needs root (ip netns,
tc).

Finer than the seconds (session 16): a tracer in the shaped subscriber's
page reads its camera's inbound-rtp every 100 ms (`TRACE_INTERVAL_MS`,
`Date.now()` stamps, the same clock as the script's `time.time()` taken
right after each `tc` change), and the summary gives per step change the
time from the change to the first newly decoded frame after a pause
("resumed"), to the first frame of another layer ("layer"), and the
longest gap between newly decoded frames within the step ("longest gap"),
each to about the tracer's interval (its measured median is printed).
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
from meet_e2e.browser_flows import open_meeting, wait_decoding  # noqa: E402
from meet_e2e.env import WEB_DIR  # noqa: E402
from meet_e2e.shaping import ShapedLink, available  # noqa: E402
from meet_e2e.stack import Stack  # noqa: E402

# A 1920×1080 window: the publisher's tile is taller than 360 px, so the web client asks for 720 px.
WINDOW = (1920, 1080)
# The shaped subscriber's tracer: its camera's inbound-rtp this often (ms).
TRACE_INTERVAL_MS = 100
# No new frame for this long before a step change: the video counts as paused then.
PAUSED_GAP = 1.0

# In the page: every TRACE_INTERVAL_MS, [Date.now(), framesDecoded, frameHeight] of the publisher's
# camera into window.__allocationTrace (bounded), one read at a time.
TRACER = """
const publisher = arguments[0], interval = arguments[1];
if (window.__allocationTrace) return;
const trace = window.__allocationTrace = [];
let busy = false;
setInterval(async () => {
  if (busy) return;
  busy = true;
  try {
    const stats = await window.meetDebug.stats();
    const e = stats.find((s) => s.participantId.toLowerCase() === publisher && s.kind === 'camera'
      && s.mediaKind === 'video');
    if (e) trace.push([Date.now(), e.framesDecoded, e.frameHeight]);
    if (trace.length > 20000) trace.splice(0, 10000);
  } catch (error) {
    // A page between connections: the next read goes on.
  } finally {
    busy = false;
  }
}, interval);
"""


def camera_of(browser: MeetBrowser, publisher_id: str) -> dict | None:
    for entry in browser.stats():
        if entry["participantId"].lower() == publisher_id and entry["kind"] == "camera" \
                and entry["mediaKind"] == "video":
            return entry
    return None


def publisher_layers(browser: MeetBrowser) -> dict[str, dict]:
    stats = browser.js_async("window.meetDebug.publisherStats()") or {}
    return {(v.get("rid") or "-"): v for v in stats.get("video", [])}


def join_subscriber(stack: Stack, code: str, name: str, link: ShapedLink | None) -> MeetBrowser:
    browser = MeetBrowser(name, stack.api.base_url, link=link, window=WINDOW)
    open_meeting(browser, f"{stack.api.base_url}/{code}")
    browser.wait_preview()
    # A viewer only: its own camera and microphone off, so its browser spends nothing encoding.
    browser.click("#preview-camera")
    browser.click("#preview-mic")
    browser.set_test_hooks(ws_url=stack.ws_url(0), node_id=stack.nodes[0].node_id)
    browser.join(guest_name=name)
    browser.wait_screen("meeting")
    return browser


class Sampler:
    """Per-second samples of every subscriber and the publisher, with the step's label."""

    def __init__(self, publisher: MeetBrowser, subscribers: dict[str, MeetBrowser], publisher_id: str):
        self.publisher, self.subscribers, self.publisher_id = publisher, subscribers, publisher_id
        self.rows: list[dict] = []
        self.last: dict[str, dict] = {}
        self.last_layers: dict[str, dict] = {}
        self.last_time = time.monotonic()

    def take(self, step: str) -> dict:
        now = time.monotonic()
        elapsed = max(now - self.last_time, 1e-3)
        row = {"step": step, "time": now, "load": os.getloadavg()[0], "subs": {}}
        for name, browser in self.subscribers.items():
            entry = camera_of(browser, self.publisher_id) or {}
            before = self.last.get(name, entry)
            freezes = entry.get("freezeCount", 0) - before.get("freezeCount", 0)
            frozen = entry.get("totalFreezesDuration", 0) - before.get("totalFreezesDuration", 0)
            row["subs"][name] = {
                "height": entry.get("frameHeight", 0),
                "kbps": (entry.get("bytesReceived", 0) - before.get("bytesReceived", 0)) * 8 / elapsed / 1000,
                "fps": (entry.get("framesDecoded", 0) - before.get("framesDecoded", 0)) / elapsed,
                "freezes": freezes, "frozen": frozen,
                "longest": frozen / freezes if freezes else 0.0,
                # Chromium counts a gap over 5 s as a pause, not a freeze.
                "pauses": entry.get("pauseCount", 0) - before.get("pauseCount", 0),
                "paused": entry.get("totalPausesDuration", 0) - before.get("totalPausesDuration", 0),
            }
            self.last[name] = entry
        layers = publisher_layers(self.publisher)
        row["layers"] = {rid: (v["bytesSent"] - self.last_layers.get(rid, v)["bytesSent"]) * 8 / elapsed / 1000
                         for rid, v in layers.items()}
        row["limit"] = ",".join(sorted({v.get("qualityLimitationReason") or "none" for v in layers.values()}))
        self.last_layers = layers
        self.last_time = now
        self.rows.append(row)
        return row


class Tracer:
    """The shaped subscriber's 100 ms trace (TRACER) and the step changes' times, for the summary's
    precise figures."""

    def __init__(self, browser: MeetBrowser, publisher_id: str):
        self.browser = browser
        self.points: list[tuple[float, int, int]] = []  # (s since the epoch, framesDecoded, frameHeight)
        self.changes: list[tuple[float, str, str]] = []  # (s since the epoch, label before, label after)
        browser.js(TRACER, publisher_id, TRACE_INTERVAL_MS)

    def collect(self) -> None:
        taken = self.browser.js("const t = window.__allocationTrace || []; return t.splice(0, t.length);") or []
        self.points += [(ms / 1000, frames, height) for ms, frames, height in taken]

    def mark(self, before: str, after: str) -> None:
        self.changes.append((time.time(), before, after))

    def interval(self) -> float:
        gaps = [b[0] - a[0] for a, b in zip(self.points, self.points[1:])]
        return statistics.median(gaps) if gaps else 0.0

    def after_change(self, index: int) -> dict:
        """What the trace shows after step change `index`, up to the next change."""
        at, before, after = self.changes[index]
        until = self.changes[index + 1][0] if index + 1 < len(self.changes) else float("inf")
        earlier = [p for p in self.points if p[0] <= at]
        later = [p for p in self.points if at < p[0] < until]
        if not earlier or not later:
            return {"before": before, "after": after, "missing": True}
        frames0, height0 = earlier[-1][1], earlier[-1][2]
        # The last new frame before the change: paused when none came for PAUSED_GAP.
        last_new = next((p[0] for a, p in zip(reversed(earlier[:-1]), reversed(earlier))
                         if p[1] > a[1]), earlier[0][0])
        paused = at - last_new >= PAUSED_GAP
        result = {"before": before, "after": after, "paused": paused, "height": height0}
        new_frames = [p for a, p in zip([earlier[-1]] + later, later) if p[1] > a[1]]
        if paused and new_frames:
            result["resumed"] = new_frames[0][0] - at
        layer = next((p for p in later if p[2] != height0 and p[1] > frames0), None)
        if layer:
            result["layer"] = (layer[2], layer[0] - at)
        # Longest gap between new frames within the step (from the change, or the first new frame).
        times = [at] + [p[0] for p in new_frames] + [later[-1][0]]
        gaps = [(b - a, a) for a, b in zip(times, times[1:])]
        if paused and new_frames:
            gaps = gaps[1:]
        if gaps:
            gap, start = max(gaps, key=lambda g: g[0])
            result["longest_gap"] = (gap, start - at)
        # Paused in the step: the last new frame before a gap of PAUSED_GAP or more.
        if not paused:
            stop = next((a for a, b in zip(times, times[1:]) if b - a >= PAUSED_GAP), None)
            if stop is not None:
                result["stopped"] = stop - at
        return result


def describe_changes(mode: str, tracer: Tracer) -> list[str]:
    lines = [f"{mode:9s} shaped subscriber, per step change (trace every {tracer.interval() * 1000:.0f} ms, "
             "times from the tc change):"]
    for index in range(len(tracer.changes)):
        r = tracer.after_change(index)
        head = f"    {r['before']:>12s} -> {r['after']:<12s}"
        if r.get("missing"):
            lines.append(f"{head} no trace")
            continue
        parts = [f"was {'paused' if r['paused'] else 'decoding'} at {r['height']} px"]
        if "resumed" in r:
            parts.append(f"resumed (first new frame) after {r['resumed']:.2f} s")
        elif r["paused"]:
            parts.append("not resumed in the step")
        if "stopped" in r:
            parts.append(f"paused (last new frame) after {r['stopped']:.2f} s")
        if "layer" in r:
            parts.append(f"layer {r['height']} -> {r['layer'][0]} px after {r['layer'][1]:.2f} s")
        if "longest_gap" in r:
            parts.append(f"longest gap between new frames {r['longest_gap'][0]:.2f} s "
                         f"(from {r['longest_gap'][1]:.1f} s)")
        lines.append(f"{head} " + "; ".join(parts))
    return lines


def step_label(kbit: int) -> str:
    return "unshaped" if kbit == 0 else f"{kbit} kbit/s"


def print_row(row: dict, start: float) -> None:
    subs = "  ".join(f"{name} {s['height']:4d}p {s['kbps']:5.0f}k {s['fps']:4.1f}fps"
                     + (f" {s['freezes']}fz/{s['frozen']:.1f}s" if s["freezes"] else "")
                     + (f" {s['pauses']}pause/{s['paused']:.1f}s" if s["pauses"] else "")
                     for name, s in row["subs"].items())
    layers = " ".join(f"{rid}:{rate:.0f}" for rid, rate in sorted(row["layers"].items()))
    print(f"  {row['time'] - start:6.1f}s {row['step']:>12s} | {subs} | pub {layers} ({row['limit']})", flush=True)


def longest_stall(samples: list[dict]) -> int:
    """The longest run of one-second samples in which no frame was decoded."""
    run = longest = 0
    for s in samples:
        run = run + 1 if s["fps"] == 0 else 0
        longest = max(longest, run)
    return longest


def summarize(mode: str, rows: list[dict], steps: list[int], names: list[str]) -> list[str]:
    lines = []
    for kbit in steps:
        label = step_label(kbit)
        in_step = [r for r in rows if r["step"] == label]
        if not in_step:
            continue
        load = statistics.mean(r["load"] for r in in_step)
        pub = {rid: statistics.mean(r["layers"].get(rid, 0) for r in in_step) for rid in in_step[-1]["layers"]}
        pub_text = " ".join(f"{rid} {rate:.0f}" for rid, rate in sorted(pub.items()))
        lines.append(f"{mode:9s} {label:>12s}  (load {load:.1f}; publisher kbit/s {pub_text})")
        for name in names:
            samples = [r["subs"][name] for r in in_step]
            heights = [s["height"] for s in samples]
            freezes = sum(s["freezes"] for s in samples)
            lines.append(
                f"    {name:10s} height median {statistics.median(heights):4.0f} (last {heights[-1]:4d})  "
                f"{statistics.mean(s['kbps'] for s in samples):5.0f} kbit/s  "
                f"{statistics.mean(s['fps'] for s in samples):4.1f} fps  "
                f"freezes {freezes} ({sum(s['frozen'] for s in samples):.1f} s, longest "
                f"{max(s['longest'] for s in samples):.2f} s)  pauses {sum(s['pauses'] for s in samples)} "
                f"({sum(s['paused'] for s in samples):.1f} s)  no frame for {longest_stall(samples)} s")
    return lines


def run_mode(mode: str, steps: list[int], step_seconds: float, warmup: float) -> list[str]:
    os.environ["MEET_WEB_DIR"] = str(WEB_DIR)
    link = ShapedLink()
    browsers: list[MeetBrowser] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-allocation-") as work:
            # The node advertises the veth's host side: the namespaced subscriber's media crosses the
            # shaped link, the others reach the same address locally.
            stack = Stack(Path(work), ws_replicas=1, sfu_nodes=1,
                          node_env={"MEET_SFU_UDP_HOST": "0.0.0.0", "MEET_SFU_PUBLIC_IP": link.host_address})
            try:
                link.forward_tcp(stack.api.port, stack.replicas[0].port)
                owner = stack.rest.register("Allocation Owner")
                code = stack.rest.call("POST", "/v1/meetings", {"title": "Allocation"}, owner, expect=201)["code"]
                publisher = MeetBrowser("Publisher", stack.api.base_url)
                browsers.append(publisher)
                query = "?camera=720" + ("&simulcast=0" if mode == "single" else "")
                open_meeting(publisher, f"{stack.api.base_url}/{code}{query}")
                publisher.set_test_hooks(ws_url=stack.ws_url(0), node_id=stack.nodes[0].node_id)
                publisher.join(guest_name="Publisher")
                publisher.wait_screen("meeting")
                publisher_id = publisher.state()["me"].lower()
                subscribers = {}
                for name, shaped in (("shaped", True), ("plain-1", False), ("plain-2", False)):
                    subscribers[name] = join_subscriber(stack, code, name, link if shaped else None)
                    browsers.append(subscribers[name])
                for browser in subscribers.values():
                    wait_decoding(browser, publisher_id, "camera", timeout=60)
                sampler = Sampler(publisher, subscribers, publisher_id)
                tracer = Tracer(subscribers["shaped"], publisher_id)
                start = time.monotonic()
                print(f"{mode}: warm-up {warmup:.0f} s unshaped, then {step_seconds:.0f} s per step", flush=True)
                previous = None
                for label, kbit, seconds in [("warm-up", None, warmup)] + [
                        (step_label(k), k or None, step_seconds) for k in steps]:
                    link.rate(kbit)
                    if previous is not None:
                        tracer.mark(previous, label)
                    previous = label
                    end = time.monotonic() + seconds
                    while time.monotonic() < end:
                        time.sleep(max(0.0, 1.0 - (time.monotonic() - sampler.last_time)))
                        print_row(sampler.take(label), start)
                        tracer.collect()
                return summarize(mode, sampler.rows, steps, list(subscribers)) + describe_changes(mode, tracer)
            finally:
                # The node's log (its "subscriber estimate" and "allocator paused/resumed" lines) outlives the run.
                kept = Path(tempfile.gettempdir()) / f"bench-allocation-{mode}-meet-sfu.log"
                try:
                    kept.write_text(stack.nodes[0].log_path.read_text(errors="replace"))
                    print(f"{mode}: the node's log is kept in {kept}", flush=True)
                except (OSError, AttributeError) as error:
                    print(f"{mode}: the node's log was not kept ({error})", flush=True)
                for browser in browsers:
                    browser.quit()
                stack.stop()
    finally:
        link.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--step", type=float, default=25.0, help="seconds per shaping step (default 25)")
    parser.add_argument("--steps", default="2000,500,150,0",
                        help="kbit/s per step, 0 = unshaped (default 2000,500,150,0)")
    parser.add_argument("--warmup", type=float, default=10.0, help="unshaped seconds before the steps (default 10)")
    parser.add_argument("--modes", default="simulcast,single", help="simulcast, single or both (default both)")
    args = parser.parse_args()
    problem = available()
    if problem:
        sys.exit(f"bench-allocation {problem}")
    steps = [int(s) for s in args.steps.split(",")]
    summary = []
    for mode in args.modes.split(","):
        summary += run_mode(mode, steps, args.step, args.warmup)
    print("\nsummary (per step and subscriber; 'longest' = Chromium's frozen time per freeze within one "
          "second's sample; 'no frame' = the longest run of seconds without a decoded frame):")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
