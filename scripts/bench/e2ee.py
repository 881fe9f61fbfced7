"""The E2EE node benchmark: the SFU node's CPU per forwarded packet in a
meeting of headless Chromium browsers, plain and end-to-end encrypted, in
alternating rounds on the same stack (meet-api serving Web/, one meet-ws,
one meet-sfu, so every packet goes through that node).

    scripts/bench-e2ee [--people 2] [--seconds 20] [--rounds 2]

Each round: a new meeting (`e2ee: true` or not), `--people` browsers join
as guests (the E2EE ones with the passphrase) and send their fake camera
(simulcast, VP8) and microphone; once each decodes every other's camera,
the node's CPU (user + system, /proc/PID/stat) and its datagrams in and out
(`meet_rtc_datagrams_received_total`, `meet_rtc_datagrams_sent_total` on
/metrics) are sampled over `--seconds`, with the load average; then the
browsers leave. Prints a row per round and, per mode, the node's CPU per
datagram (in + out) and per datagram out, and the E2EE / plain ratio. The
node only reads RTP headers, header extensions and the clear codec bytes,
so the ratio should be 1 within the noise of a shared machine. Not a test:
nothing is judged.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

# The support code of the end-to-end tests (Tests/e2e/meet_e2e), and bench-load's samplers.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Tests" / "e2e"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import cpu_seconds  # noqa: E402
from meet_e2e.browser import MeetBrowser  # noqa: E402
from meet_e2e.browser_flows import wait_decoding  # noqa: E402
from meet_e2e.env import WEB_DIR  # noqa: E402
from meet_e2e.stack import Stack  # noqa: E402

PASSPHRASE = "bench passphrase"


def datagrams(node) -> tuple[float, float]:
    """The node's datagrams received and sent so far."""
    with urllib.request.urlopen(node.base_url + "/metrics", timeout=5) as response:
        text = response.read().decode()
    def total(name: str) -> float:
        return sum(float(m.group(1)) for m in re.finditer(rf"^{name}(?:\{{[^}}]*\}})? (\S+)$", text, re.M))
    return total("meet_rtc_datagrams_received_total"), total("meet_rtc_datagrams_sent_total")


def sample(node) -> tuple[float, float, float, float]:
    received, sent = datagrams(node)
    return time.monotonic(), cpu_seconds(node.process.pid), received, sent


def run_round(stack: Stack, e2ee: bool, people: int, seconds: float) -> dict:
    owner = stack.rest.register("Bench owner")
    body = {"title": "bench", **({"e2ee": True} if e2ee else {})}
    code = stack.rest.call("POST", "/v1/meetings", body, owner, expect=201)["code"]
    browsers = []
    try:
        for index in range(people):
            browser = MeetBrowser(f"P{index}", stack.api.base_url)
            browsers.append(browser)
            browser.open_link(f"{stack.api.base_url}/{code}")
            browser.set_test_hooks(ws_url=stack.ws_url(0))
            if e2ee:
                browser.join_e2ee(PASSPHRASE, guest_name=browser.name)
            else:
                browser.join(guest_name=browser.name)
                browser.wait_screen("meeting")
        ids = [browser.state()["me"] for browser in browsers]
        for browser, me in zip(browsers, ids):
            for other in ids:
                if other != me:
                    wait_decoding(browser, other, "camera", timeout=60)
        time.sleep(3)  # past the first keyframes and the bandwidth ramp-up
        load_before = os.getloadavg()[0]
        first = sample(stack.nodes[0])
        time.sleep(seconds)
        last = sample(stack.nodes[0])
        load_after = os.getloadavg()[0]
        failed = decrypted = empty = None
        if e2ee:
            workers = [browser.state()["e2ee"] or {} for browser in browsers]
            decrypted = sum(worker.get("decrypted", 0) for worker in workers)
            empty = sum(worker.get("emptyPassed", 0) for worker in workers)
            failed = {}
            for worker in workers:
                for codec, counts in worker.get("byCodec", {}).items():
                    failed[codec] = failed.get(codec, 0) + counts.get("failed", 0)
                # Why (Web/e2ee-frames.js, FAILURE_REASONS), and the worker's samples of the last failures.
                for reason, count in worker.get("failedBy", {}).items():
                    if count:
                        failed[reason] = failed.get(reason, 0) + count
                for failure in worker.get("recentFailures", []):
                    print(f"#   failed frame: {failure}", flush=True)
    finally:
        for browser in browsers:
            browser.quit()
    wall, cpu = last[0] - first[0], last[1] - first[1]
    received, sent = last[2] - first[2], last[3] - first[3]
    return {
        "mode": "e2ee" if e2ee else "plain", "wall": wall, "cpuPercent": cpu / wall * 100,
        "inPerSecond": received / wall, "outPerSecond": sent / wall,
        "usPerDatagram": cpu / max(1.0, received + sent) * 1e6, "usPerOut": cpu / max(1.0, sent) * 1e6,
        "load": (load_before, load_after), "decrypted": decrypted, "failed": failed, "empty": empty,
    }


def row(result: dict) -> str:
    worker = "" if result["decrypted"] is None else \
        f"  (browsers decrypted {result['decrypted']} frames, passed {result['empty']} empty ones on; " \
        f"failed, per codec and per reason: {result['failed']})"
    return (f"{result['mode']:<6} {result['wall']:5.1f} s  node CPU {result['cpuPercent']:5.1f} %  "
            f"datagrams in/s {result['inPerSecond']:6.0f}  out/s {result['outPerSecond']:6.0f}  "
            f"µs CPU per datagram {result['usPerDatagram']:6.1f}  per datagram out {result['usPerOut']:6.1f}  "
            f"load {result['load'][0]:.1f} → {result['load'][1]:.1f}{worker}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=2, help="browsers per meeting")
    parser.add_argument("--seconds", type=float, default=20, help="seconds sampled per round")
    parser.add_argument("--rounds", type=int, default=2, help="plain + E2EE pairs, alternating")
    args = parser.parse_args()
    os.environ["MEET_WEB_DIR"] = str(WEB_DIR)
    with tempfile.TemporaryDirectory(prefix="meet-bench-e2ee-") as tmp:
        stack = Stack(Path(tmp), ws_replicas=1, sfu_nodes=1, node_env={"MEET_LOG_LEVEL": "warning"},
                      ws_env={"MEET_LOG_LEVEL": "warning"})
        results = []
        try:
            print(f"# {args.people} browsers per meeting, {args.seconds:.0f} s per round, {os.cpu_count()} CPUs, "
                  f"binaries {os.environ.get('MEET_BIN_DIR', '?')}", flush=True)
            for _ in range(args.rounds):
                for e2ee in (False, True):
                    results.append(run_round(stack, e2ee, args.people, args.seconds))
                    print(row(results[-1]), flush=True)
        finally:
            stack.stop()
    means = {}
    for mode in ("plain", "e2ee"):
        chosen = [r for r in results if r["mode"] == mode]
        means[mode] = (sum(r["usPerDatagram"] for r in chosen) / len(chosen), sum(r["usPerOut"] for r in chosen) / len(chosen))
        print(f"{mode:<6} mean µs CPU per datagram {means[mode][0]:.1f}, per datagram out {means[mode][1]:.1f}")
    print(f"e2ee / plain: per datagram {means['e2ee'][0] / means['plain'][0]:.2f}, "
          f"per datagram out {means['e2ee'][1] / means['plain'][1]:.2f}")


if __name__ == "__main__":
    main()
