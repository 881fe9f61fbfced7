"""The dynacast benchmark (#16 item 5): the uplink a simulcast publisher
saves when nobody watches its top layers, with dynacast on (the default,
`MEET_SFU_DYNACAST_PAUSE_MS=2000`) and off (`0`), in one run.

    scripts/bench-dynacast [--seconds S] [--warmup S]   (starts PostgreSQL and Redis itself)

Each side: a fresh stack (meet-api, one meet-ws, one meet-sfu), the web
client in headless Chromium publishing its fake camera at 1280×720 (three
layers: 320×180, 640×360, 1280×720), one aiortc viewer asking for a 180 px
tile (`video-preferences`). After `--warmup` seconds (the browser's bandwidth
estimate ramps up, the node pauses what nobody wants) the publisher's
outbound-rtp bytes per RID are read over `--seconds`. Printed: kbit/s per
layer and in total, the viewer's decoded height, and the ratio of the two
totals. Not a test: nothing is judged. On a loaded machine say the load
average with the figures.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

# The support code of the end-to-end tests (Tests/e2e/meet_e2e).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Tests" / "e2e"))
from meet_e2e.browser import MeetBrowser  # noqa: E402
from meet_e2e.env import WEB_DIR  # noqa: E402
from meet_e2e.node_connection import NodeConnection  # noqa: E402
from meet_e2e.participant import Participant  # noqa: E402
from meet_e2e.stack import Stack  # noqa: E402
from meet_e2e.waiting import wait_until  # noqa: E402


def layer_bytes(browser: MeetBrowser) -> dict[str, int]:
    stats = browser.js_async("window.meetDebug.publisherStats()") or {}
    return {v["rid"]: v["bytesSent"] for v in stats.get("video", []) if v.get("rid")}


async def one_side(pause_ms: int, warmup: float, seconds: float) -> tuple[dict[str, float], int]:
    """kbit/s per RID over `seconds` after `warmup`, and the viewer's last decoded height."""
    os.environ["MEET_WEB_DIR"] = str(WEB_DIR)
    with tempfile.TemporaryDirectory(prefix="bench-dynacast-") as work:
        stack = Stack(Path(work), ws_replicas=1, sfu_nodes=1, node_env={"MEET_SFU_DYNACAST_PAUSE_MS": str(pause_ms)})
        browser = None
        viewer = None
        try:
            owner = stack.rest.register("Dynacast Owner")
            code = stack.rest.call("POST", "/v1/meetings", {"title": "Dynacast"}, owner, expect=201)["code"]
            browser = MeetBrowser("Publisher", stack.api.base_url)
            browser.open_link(f"{stack.api.base_url}/{code}?camera=720")
            browser.set_test_hooks(ws_url=stack.ws_url(0), node_id=stack.nodes[0].node_id)
            browser.join(guest_name="Publisher")
            browser.wait_screen("meeting")
            publisher_id = browser.state()["me"].lower()
            person = Participant("Viewer")
            await person.join(stack, code, replica=0)
            viewer = NodeConnection(person)
            await viewer.add(publisher_id)
            reply = await person.signal.request("video-preferences", {
                "limit": 1, "tiles": [{"participantId": publisher_id, "source": "camera", "maxHeight": 180}]})
            assert reply["type"] == "video-selection", reply
            await wait_until(lambda: any(c.get("video") for c in viewer.counts.values()), 30, "the viewer decoding")
            await asyncio.sleep(warmup)
            before, start = layer_bytes(browser), time.monotonic()
            await asyncio.sleep(seconds)
            after, elapsed = layer_bytes(browser), time.monotonic() - start
            rates = {rid: (after[rid] - before.get(rid, 0)) * 8 / elapsed / 1000 for rid in sorted(after)}
            height = max((c.get("last", (0, 0))[1] for c in viewer.counts.values() if c.get("video")), default=0)
            return rates, height
        finally:
            if viewer:
                await viewer.close()
                await viewer.subscriber.close()
            if browser:
                browser.quit()
            stack.stop()


def line(label: str, rates: dict[str, float], height: int) -> str:
    layers = "  ".join(f"{rid} {rate:6.0f}" for rid, rate in rates.items())
    return f"{label:13s} {layers}  total {sum(rates.values()):6.0f} kbit/s  viewer decodes {height} px"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="measurement window (default 10)")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds before measuring (default 10)")
    args = parser.parse_args()
    on = asyncio.run(one_side(2000, args.warmup, args.seconds))
    off = asyncio.run(one_side(0, args.warmup, args.seconds))
    print(f"publisher uplink, one viewer at 180 px, {args.seconds:.0f} s after {args.warmup:.0f} s "
          f"(load average {os.getloadavg()[0]:.1f}):")
    print(line("dynacast on", *on))
    print(line("dynacast off", *off))
    total_on, total_off = sum(on[0].values()), sum(off[0].values())
    if total_off > 0:
        print(f"dynacast sends {total_on / total_off * 100:.0f} % of the uplink without it "
              f"(saves {total_off - total_on:.0f} kbit/s)")


if __name__ == "__main__":
    main()
