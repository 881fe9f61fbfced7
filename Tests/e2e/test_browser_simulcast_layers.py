"""Simulcast layer selection and dynacast end to end (#16 items 2 and 5).

The web client in headless Chromium publishes its camera as simulcast
layers (Web/simulcast.js). Its fake camera is captured at the client's
default, 1280×720 (session 16; the other browser tests ask for 360 px), so
the layers are 320×180, 640×360 and 1280×720: at 640×360 Chromium sends
only the two smallest (160×90 and 320×180). aiortc viewers join the same
meeting through meet-ws, subscribe on one connection to the node
(`perNode`) and say their tile size with `video-preferences` (`maxHeight`);
what they decode is counted, with the size of the latest frame.

1. Layer selection: the camera is captured at 1280×720 and Chromium sends
   `q`, `h` and `f` at 320×180, 640×360 and 1280×720; viewers asking for
   180, 360 and 720 px decode 180, 360 (the `h` layer) and the top layer;
   the small one growing its tile moves up to the top layer. Before session 9
   all got the top; before session 16 the 360 px tile got 180 px. Should
   Chromium report a `cpu` quality limitation (its CPU adaptation may scale
   the three layers down alike on a loaded machine), each tile must decode
   the largest layer sent then that fits it, and the layers' ratios are
   checked (h = f/2, q = f/4) instead of their exact sizes.
2. Dynacast: alone in the room, the publisher is told to stop its top layer
   (Chromium's outbound-rtp for that RID goes `active: false` and its
   `bytesSent` stops growing); a viewer subscribing without preferences
   (an older client: the top layer) brings it back; the viewer shrinking
   its tile to 180 px stops it again, and growing it to 720 px resumes it,
   decoded at the top size again. The publisher's uplink with and without
   the top layer is printed (docs/benchmarks.md).

The node's pause delay is cut to 1 s here (`MEET_SFU_DYNACAST_PAUSE_MS`).
"""
from __future__ import annotations

import asyncio
import time

import pytest
from meet_e2e.browser import MeetBrowser
from meet_e2e.browser_flows import metric
from meet_e2e.env import WEB_DIR
from meet_e2e.fixtures import failed, stack_with_logs
from meet_e2e.layers import CAMERA_LAYERS, check_layer_sizes
from meet_e2e.node_connection import NodeConnection
from meet_e2e.participant import Participant
from meet_e2e.waiting import wait_until

TIMEOUT_S = 40.0
PAUSE_MS = 1000


@pytest.fixture
def stack(tmp_path, request, monkeypatch):
    monkeypatch.setenv("MEET_WEB_DIR", str(WEB_DIR))
    yield from stack_with_logs(tmp_path, request, ws_replicas=1, sfu_nodes=1,
                               node_env={"MEET_SFU_DYNACAST_PAUSE_MS": str(PAUSE_MS)})


@pytest.fixture
def publisher(stack, request):
    """The web client in Chromium, joined as a guest and publishing on node 1; the meeting code."""
    owner = stack.rest.register("Layers Owner")
    code = stack.rest.call("POST", "/v1/meetings", {"title": "Layers"}, owner, expect=201)["code"]
    # The client's own camera default (720 px): Chromium then sends all three layers (180, 360, 720 px).
    browser = MeetBrowser("Pia Publisher", stack.api.base_url, camera_height=None)
    try:
        browser.open_link(f"{stack.api.base_url}/{code}")
        browser.set_test_hooks(ws_url=stack.ws_url(0), node_id=stack.nodes[0].node_id)
        browser.join(guest_name="Pia Publisher")
        browser.wait_screen("meeting")
        yield browser, code
        if failed(request):
            print(f"---- publisher: state {browser.safe_state()}\n{browser.console()}")
    finally:
        browser.quit()


LAYER_SIZES = CAMERA_LAYERS


def layers(browser: MeetBrowser) -> dict[str, dict]:
    """The publisher's camera layers by RID: active, bytesSent, frameHeight (Chromium's outbound-rtp).
    Each read also keeps the largest size seen per RID in `browser.largest_layers` (Chromium's CPU
    adaptation may scale the layers down later in a run; the first frames show what it was set up for)."""
    stats = browser.js_async("window.meetDebug.publisherStats()") or {}
    by_rid = {v["rid"]: v for v in stats.get("video", []) if v.get("rid")}
    largest = browser.__dict__.setdefault("largest_layers", {})
    limits = browser.__dict__.setdefault("quality_limits", set())
    for rid, layer in by_rid.items():
        largest[rid] = max(largest.get(rid, (0, 0)), (layer["frameWidth"], layer["frameHeight"]), key=lambda s: s[1])
        limits.add(layer.get("qualityLimitationReason"))
    return by_rid


def fitting_height(browser: MeetBrowser, max_height: int) -> int:
    """The height of the layer a tile of `max_height` should get when all three are sent: the largest
    that fits (the node's LayerSelector), else the smallest; 0 until q, h and f are all sent."""
    sent = [v["frameHeight"] for v in layers(browser).values() if v["active"] and v["frameHeight"] > 0]
    if len(sent) < len(LAYER_SIZES):
        return 0
    return max((h for h in sent if h <= max_height), default=min(sent))


def sending_height(browser: MeetBrowser, rid: str) -> int:
    """The frame height Chromium sends on `rid` now (0 when off or not yet sent)."""
    layer = layers(browser).get(rid)
    return layer["frameHeight"] if layer and layer["active"] else 0


def top_rid(browser: MeetBrowser) -> str | None:
    """The RID of the largest layer Chromium encodes now."""
    sending = {rid: v for rid, v in layers(browser).items() if v["frameHeight"] > 0}
    return max(sending, key=lambda rid: sending[rid]["frameHeight"]) if sending else None


async def viewer(stack, code: str, name: str, publisher_id: str) -> NodeConnection:
    person = Participant(name)
    await person.join(stack, code, replica=0)
    connection = NodeConnection(person)
    await connection.add(publisher_id)
    return connection


async def prefer(connection: NodeConnection, publisher_id: str, max_height: int) -> None:
    reply = await connection.subscriber.signal.request("video-preferences", {
        "limit": 1, "tiles": [{"participantId": publisher_id, "source": "camera", "maxHeight": max_height}]})
    assert reply["type"] == "video-selection", reply
    assert [v["participantId"].lower() for v in reply["data"]["forwarding"]] == [publisher_id], reply


def last_height(connection: NodeConnection) -> int:
    """The height of the latest video frame decoded (0 before one)."""
    sizes = [c.get("last", (0, 0)) for c in connection.counts.values() if c.get("video")]
    return max((h for _, h in sizes), default=0)


async def decodes_height(connection: NodeConnection, fits, what: str, browser: MeetBrowser) -> int:
    """Waits until the latest decoded frame's height satisfies `fits(height)` and frames keep coming."""
    def check():
        height = last_height(connection)
        return height if height and fits(height) else 0
    height = await wait_until(check, TIMEOUT_S, what,
                              details=lambda: f"counts {connection.counts}; publisher layers {layers(browser)}")
    before = sum(c.get("video", 0) for c in connection.counts.values())
    await wait_until(lambda: sum(c.get("video", 0) for c in connection.counts.values()) > before + 5 and fits(
        last_height(connection)), TIMEOUT_S, f"{what}, still decoding")
    return height


def top_height(browser: MeetBrowser) -> int:
    return max((v["frameHeight"] for v in layers(browser).values() if v["active"]), default=0)


def test_each_viewer_gets_the_layer_of_its_tile(stack, publisher):
    browser, code = publisher
    publisher_id = browser.state()["me"].lower()
    camera = (browser.js_async("window.meetDebug.publisherStats()") or {}).get("camera")
    assert camera and (camera["width"], camera["height"]) == (1280, 720), f"camera captured at {camera}"

    async def scenario():
        small = await viewer(stack, code, "Sam Small", publisher_id)
        medium = await viewer(stack, code, "Max Medium", publisher_id)
        large = await viewer(stack, code, "Lea Large", publisher_id)
        try:
            await prefer(small, publisher_id, 180)
            await prefer(medium, publisher_id, 360)
            await prefer(large, publisher_id, 720)
            # With all three wanted, Chromium sends all three, at the sizes of a 1280×720 camera.
            await wait_until(lambda: all(sending_height(browser, rid) for rid in LAYER_SIZES), TIMEOUT_S,
                             "q, h and f all sent", details=lambda: f"layers {layers(browser)}")
            # Each tile gets the largest layer sent that fits it: 720, 360 and 180 px (f, h, q) unless scaled.
            big = await decodes_height(large, lambda h: h == fitting_height(browser, 720),
                                       "the large tile decoding the largest layer that fits 720 px", browser)
            mid = await decodes_height(medium, lambda h: h == fitting_height(browser, 360),
                                       "the medium tile decoding the largest layer that fits 360 px", browser)
            low = await decodes_height(small, lambda h: h == fitting_height(browser, 180),
                                       "the small tile decoding the largest layer that fits 180 px", browser)
            print(f"camera {camera}; layers {layers(browser)}; largest seen {browser.largest_layers}; "
                  f"quality limitations seen {browser.quality_limits}; "
                  f"small decodes {low} px, medium {mid} px, large {big} px")
            check_layer_sizes(browser.largest_layers, browser.quality_limits)
            if "cpu" not in browser.quality_limits:
                assert (low, mid, big) == (180, 360, 720), (low, mid, big)
            else:
                assert low <= mid <= big <= 720, (low, mid, big)
            # The small tile grows: up to the top layer, on a keyframe.
            await prefer(small, publisher_id, 720)
            grown = await decodes_height(small, lambda h: h == fitting_height(browser, 720),
                                         "the grown tile decoding the largest layer that fits 720 px", browser)
            assert grown > low or ("cpu" in browser.quality_limits and grown == low), (low, grown)
            # Switches map timestamps through the layers' sender reports (Chromium sends one
            # per layer about every second): the viewers' switches so far, aligned by them.
            switches = metric(stack.nodes[0], "meet_sfu_layer_switches_total")
            aligned = metric(stack.nodes[0], "meet_sfu_layer_switches_aligned_total")
            print(f"layer switches {switches:.0f}, timestamps from sender reports {aligned:.0f}")
            assert switches >= 1 and aligned >= 1, (switches, aligned)
            rtx = {kind: metric(stack.nodes[0], f'meet_sfu_upstream_rtx_packets_total{{kind="{kind}"}}')
                   for kind in ("repaired", "duplicate", "padding", "dropped")}
            print(f"publisher RTX packets at the node {rtx}")
        finally:
            for connection in (small, medium, large):
                await connection.close()
                await connection.subscriber.close()

    asyncio.run(scenario())


async def top_layer_state(browser: MeetBrowser, active: bool, what: str) -> dict:
    """Waits until the top layer's `active` is `active`; returns its stats."""
    def check():
        by_rid = layers(browser)
        top = by_rid.get("f")
        return top if top and top["active"] == active else None
    return await wait_until(check, TIMEOUT_S, what, details=lambda: f"layers {layers(browser)}")


async def uplink_kbps(browser: MeetBrowser, seconds: float = 3.0) -> tuple[float, dict[str, float]]:
    """The publisher's video bitrate over `seconds`, total and per RID (kbit/s)."""
    before, start = layers(browser), time.monotonic()
    await asyncio.sleep(seconds)
    after, elapsed = layers(browser), time.monotonic() - start
    rates = {rid: (after[rid]["bytesSent"] - before.get(rid, {}).get("bytesSent", 0)) * 8 / elapsed / 1000
             for rid in after}
    return sum(rates.values()), rates


def test_dynacast_stops_the_top_layer_nobody_watches(stack, publisher):
    browser, code = publisher
    publisher_id = browser.state()["me"].lower()

    async def scenario():
        # Alone in the room: nobody receives the top layer, so it stops.
        stopped = await top_layer_state(browser, False, "the top layer off with nobody watching")
        await asyncio.sleep(1.0)  # a window to see that nothing more is sent on it
        assert layers(browser)["f"]["bytesSent"] - stopped["bytesSent"] < 2_000, layers(browser)
        # A viewer with no preferences (an older client) gets the top layer: resumed at once.
        watcher = await viewer(stack, code, "Vic Viewer", publisher_id)
        try:
            await top_layer_state(browser, True, "the top layer back on for a viewer without preferences")
            full = await decodes_height(watcher, lambda h: h == top_height(browser) and h > 180,
                                        "the viewer decoding the top layer", browser)
            with_top, rates_with = await uplink_kbps(browser)

            # The tile shrinks: the top layer stops at the publisher, after the pause delay.
            await prefer(watcher, publisher_id, 180)
            off = await top_layer_state(browser, False, "the top layer off once its only viewer shrank its tile")
            await asyncio.sleep(1.0)  # a window to see that nothing more is sent on it
            assert layers(browser)["f"]["bytesSent"] - off["bytesSent"] < 2_000, layers(browser)
            small = await decodes_height(watcher, lambda h: h <= 180, "the viewer decoding the small layer", browser)
            without_top, rates_without = await uplink_kbps(browser)
            print(f"publisher uplink with the top layer {with_top:.0f} kbit/s {rates_with}, "
                  f"without {without_top:.0f} kbit/s {rates_without}; "
                  f"saved {with_top - without_top:.0f} kbit/s ({(1 - without_top / with_top) * 100:.0f} %)")

            # The tile grows again: the top layer resumes and is decoded.
            asked = time.monotonic()
            await prefer(watcher, publisher_id, 720)
            await top_layer_state(browser, True, "the top layer resumed for the grown tile")
            resumed = time.monotonic() - asked
            grown = await decodes_height(watcher, lambda h: h == top_height(browser) and h > 180,
                                         "the grown tile decoding the top layer again", browser)
            print(f"grown tile: top layer on at the publisher {resumed:.2f} s after video-preferences, "
                  f"decoded at {grown} px within {time.monotonic() - asked:.2f} s (polled every 0.1 s)")
            assert grown > small and full > small
            events = metric(stack.nodes[0], "meet_sfu_publisher_layer_events_total")
            assert 4 <= events < 30, f"{events} sfu.publisher-layers events for four changes in about 20 s"
        finally:
            await watcher.close()
            await watcher.subscriber.close()

    asyncio.run(scenario())
