"""Bandwidth allocation toward a congested subscriber, in browsers (#16 items 3, 4 and 6).

The web client in headless Chromium publishes its fake camera at 1280×720
as three simulcast layers (320×180, 640×360, 1280×720). Two more web
clients watch it (camera and microphone off, a 1920×1080 window so that the
publisher's tile asks for 720 px). One of them runs inside a network
namespace whose downlink `tc tbf` shapes to 300 kbit/s
(Tests/e2e/meet_e2e/shaping.py; the node advertises the veth's host-side
address). The node's send-side estimator (transport-cc from Chromium) and
allocator must bring that subscriber down to the layer that fits (the
smallest, capped at 150 kbit/s) where it keeps decoding, while the unshaped
one keeps the top layer (the top one the publisher sends: a CPU-starved
Chromium may limit its own uplink to the two lower layers). Then the shaping is taken off and the shaped
subscriber comes back up to the top layer.

Needs root (ip netns, tc); skipped, with the reason, elsewhere.
"""
from __future__ import annotations

import os
import pytest
from meet_e2e.browser import MeetBrowser
from meet_e2e.browser_flows import browser_opener, metric, wait_decoding
from meet_e2e.env import WEB_DIR
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.shaping import ShapedLink, available

TIMEOUT_S = 60.0
SHAPED_KBIT = 300
WINDOW = (1920, 1080)


@pytest.fixture
def link():
    problem = available()
    if problem:
        pytest.skip(f"a shaped link {problem}")
    shaped = ShapedLink()
    yield shaped
    shaped.close()


@pytest.fixture
def stack(tmp_path, request, monkeypatch, link):
    monkeypatch.setenv("MEET_WEB_DIR", str(WEB_DIR))
    yield from stack_with_logs(tmp_path, request, ws_replicas=1, sfu_nodes=1,
                               node_env={"MEET_SFU_UDP_HOST": "0.0.0.0", "MEET_SFU_PUBLIC_IP": link.host_address})


@pytest.fixture
def browsers(stack, request):
    yield from browser_opener(stack, request, window=WINDOW)


def camera(browser: MeetBrowser, publisher_id: str) -> dict:
    """The subscriber's inbound-rtp of the publisher's camera ({} before it has one)."""
    for entry in browser.stats():
        if entry["participantId"].lower() == publisher_id and entry["kind"] == "camera" \
                and entry["mediaKind"] == "video":
            return entry
    return {}


def top_height(publisher: MeetBrowser) -> int:
    """The largest layer Chromium encodes now (its CPU adaptation may scale the layers down)."""
    stats = publisher.js_async("window.meetDebug.publisherStats()") or {}
    return max((v["frameHeight"] for v in stats.get("video", []) if v["active"]), default=0)


def settles(browser: MeetBrowser, publisher_id: str, fits, what: str, publisher: MeetBrowser) -> int:
    """Waits until the latest decoded frame's height satisfies `fits(height)`, then until 10 more
    frames are decoded with it still so; returns the height."""
    def check():
        height = camera(browser, publisher_id).get("frameHeight", 0)
        return height if height and fits(height) else 0

    height = browser.wait(check, TIMEOUT_S, what)
    first = camera(browser, publisher_id)["framesDecoded"]
    browser.wait(lambda: check() and camera(browser, publisher_id)["framesDecoded"] > first + 10, TIMEOUT_S,
                 f"{what}, still decoding (publisher's top layer {top_height(publisher)} px)")
    return height


def join_viewer(stack, browsers, code: str, name: str, link: ShapedLink | None = None) -> MeetBrowser:
    viewer = browsers(name, link=link)
    viewer.open_link(f"{stack.api.base_url}/{code}")
    viewer.wait_preview()
    viewer.click("#preview-camera")
    viewer.click("#preview-mic")
    viewer.set_test_hooks(ws_url=stack.ws_url(0), node_id=stack.nodes[0].node_id)
    viewer.join(guest_name=name)
    viewer.wait_screen("meeting")
    return viewer


# Session 12 (load 25-50) it passed 1 run in 4: the allocator paused a video on one over-use signal read
# from a CPU-starved receiver. Session 13 fixed that (the pause hold, docs/dev/simulcast-status.md) and it
# passed 8 runs of 9 (load 3-7, 19-32 s each; the node probed 2-8 clusters per run and got a result for
# all but one); the failure of the 9th was not captured. Until it passes reliably it runs only when asked
# (MEET_E2E_BANDWIDTH=1): the default run reports it skipped, not passed.
@pytest.mark.skipif(os.environ.get("MEET_E2E_BANDWIDTH") != "1",
                    reason="opt-in (MEET_E2E_BANDWIDTH=1): 8 passes in 9 runs in session 13, one failure not "
                           "yet explained (docs/dev/simulcast-status.md)")
def test_a_shaped_subscriber_gets_a_lower_layer_and_keeps_decoding(stack, browsers, link):
    # The namespaced browser reaches meet-api and meet-ws through forwarders on its own 127.0.0.1.
    link.forward_tcp(stack.api.port, stack.replicas[0].port)
    owner = stack.rest.register("Bandwidth Owner")
    code = stack.rest.call("POST", "/v1/meetings", {"title": "Bandwidth"}, owner, expect=201)["code"]
    publisher = browsers("Pia Publisher")
    publisher.open_link(f"{stack.api.base_url}/{code}?camera=720")
    publisher.set_test_hooks(ws_url=stack.ws_url(0), node_id=stack.nodes[0].node_id)
    publisher.join(guest_name="Pia Publisher")
    publisher.wait_screen("meeting")
    publisher_id = publisher.state()["me"].lower()

    plain = join_viewer(stack, browsers, code, "Una Unshaped")
    shaped = join_viewer(stack, browsers, code, "Sid Shaped", link=link)
    wait_decoding(plain, publisher_id, "camera", timeout=TIMEOUT_S)
    wait_decoding(shaped, publisher_id, "camera", timeout=TIMEOUT_S)

    # Both unshaped: both get the top layer Chromium sends (720 px on a quiet machine; a loaded one's
    # Chromium limits its own uplink and may send only the two lower layers). At least two layers are needed.
    settles(shaped, publisher_id, lambda h: h == top_height(publisher) and h > 180,
            "the not yet shaped viewer decoding the top layer", publisher)

    # 300 kbit/s: the shaped viewer settles on a layer below the top and keeps decoding;
    # the unshaped one keeps the top layer.
    link.rate(SHAPED_KBIT)
    # Only the lowest layer (150 kbit/s cap) and the audio fit 300 kbit/s.
    low = settles(shaped, publisher_id, lambda h: h <= 180,
                  f"the viewer behind {SHAPED_KBIT} kbit/s decoding the lowest layer", publisher)
    before = camera(shaped, publisher_id)["framesDecoded"]
    high = settles(plain, publisher_id, lambda h: h == top_height(publisher) and h > 180,
                   "the unshaped viewer decoding the top layer", publisher)
    # Still decoding on the low layer while the unshaped viewer was checked.
    settles(shaped, publisher_id, lambda h: h <= 180, "the shaped viewer still on the lowest layer", publisher)
    after = camera(shaped, publisher_id)["framesDecoded"]
    print(f"behind {SHAPED_KBIT} kbit/s: {low} px ({after - before} frames meanwhile); unshaped: {high} px; "
          f"the shaping dropped {link.dropped_packets()} packets")
    assert after > before and low < high

    # The shaping off: the estimate grows back and the shaped viewer returns to the top layer.
    link.rate(None)
    back = settles(shaped, publisher_id, lambda h: h == top_height(publisher) and h > 180,
                   "the viewer back on the top layer once unshaped", publisher)
    assert back > low
    node = stack.nodes[0]
    print("PROBES clusters {} results {} padding bytes {}".format(
        metric(node, "meet_sfu_probe_clusters_total"), metric(node, "meet_sfu_probe_results_total"),
        metric(node, "meet_sfu_probe_padding_bytes_total")))
