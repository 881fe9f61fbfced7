"""Simulcast in (#16): headless Chromium publishes its fake camera as three
RID layers (q, h, f: 320×180, 640×360, 1280×720) straight to a meet-sfu
node; an aiortc subscriber must get ONE video stream and decode it.

The offer and answer go over the node's bus (`sfu.create-publisher`), as in
test_sfu_node.py; the page is served by meet-echo (Tests/e2e/web). Checked:
the node answers `a=simulcast:recv q;h;f` with the RtpStreamId extensions;
it learns the three layers' SSRCs from the RID extension (no `a=ssrc` in
Chromium's offer) and routes each as a layer of one group; the subscriber's
offer has one video section with one SSRC, and its decoded frames come at
the top layer's size (1280×720 unless Chromium's CPU adaptation scaled it
down) once Chromium sends it (the selector's default: the highest active
layer, no size limit yet), and Chromium sent q, h and f at 320×180,
640×360 and 1280×720 (the largest size seen per RID). The page asks for
`degradationPreference: "maintain-resolution"`; should Chromium still
report a `cpu` quality limitation, the layers may have been scaled down
(to 3/4, 1/2, ...), and only their ratios are checked (h = f/2, q = f/4).

The same with H.264 (session 16, simulcast-status "Not done" 6): the page
offers H.264 alone (`setCodecPreferences`), so Chromium encodes the three
layers in H.264; the node learns each layer's size from the SPS in its
keyframes, and the subscriber's tile size (`sfu.set-video-selection`
`maxHeight` 360, 180, then 720, as meet-ws sends it for a tile) picks the
largest layer that fits: the subscriber decodes 360, 180 and 720 px (h, q,
f), or, after a `cpu` limitation, the layers that fit their scaled sizes.
"""
from __future__ import annotations

import asyncio
import re

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from meet_e2e.browser import MeetBrowser
from meet_e2e.env import redis_url_from_env
from meet_e2e.layers import CAMERA_LAYERS, check_layer_sizes
from meet_e2e.media import count_frames
from meet_e2e.sfu import BusClient, SFUNode
from meet_e2e.waiting import wait_until

TIME_BOUND_S = 40.0
MIN_VIDEO_FRAMES = 30
LAYERS = CAMERA_LAYERS


def routed_rids(node: SFUNode) -> set[str]:
    """The RIDs the node routed as simulcast layers (its debug log's "track routed" lines, whole file)."""
    rids = set()
    for line in node.log_path.read_text(errors="replace").splitlines():
        if "track routed" in line and (match := re.search(r'\brid"?\s*[=:]\s*"?(\w+)', line)):
            if match.group(1) != "none":
                rids.add(match.group(1))
    return rids


def remember_largest(result: dict, stats: dict) -> dict:
    """Keeps the largest (width, height) seen per RID in `result["largest"]` and every
    `qualityLimitationReason` seen in `result["limits"]`; returns `stats`."""
    largest = result.setdefault("largest", {})
    limits = result.setdefault("limits", set())
    for rid, layer in stats.get("layers", {}).items():
        largest[rid] = max(largest.get(rid, (0, 0)), (layer["frameWidth"], layer["frameHeight"]), key=lambda s: s[1])
        limits.add(layer.get("qualityLimitationReason"))
    return stats


def layer_for(stats: dict, max_height: int) -> str:
    """The RID the node should pick for a tile of `max_height`: the largest layer sent that fits, else q."""
    fitting = [rid for rid in LAYERS if 0 < stats["layers"].get(rid, {}).get("frameHeight", 0) <= max_height]
    return fitting[-1] if fitting else "q"


async def select_height(bus: BusClient, node: SFUNode, transport_id: str, max_height: int) -> None:
    """What meet-ws sends the node for a subscriber whose tile of alice's camera is `max_height` px."""
    reply = await bus.request(node.inbox, "sfu.set-video-selection", {"selections": [{
        "transportId": transport_id,
        "forward": [{"participantId": "alice", "source": "camera", "maxHeight": max_height}]}]})
    assert reply.get("applied") == [transport_id], reply


async def publish_simulcast(node: SFUNode, browser, codec: str | None = None, heights: tuple[int, ...] = ()) -> dict:
    """Publishes the page's camera as three layers (in `codec` when given), subscribes, waits for the
    top layer to be decoded; then for each of `heights`, selects that tile height and waits until the
    subscriber decodes the layer that fits it (`result["by_height"]`: height → (decoded, layer's size))."""
    bus = BusClient(redis_url_from_env())
    await bus.start()
    subscriber = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    received = {"video": 0, "audio": 0, "sizes": set()}
    consumers: list[asyncio.Task] = []
    result: dict = {"received": received}
    try:
        offer = browser.js_async(f"simulcastOffer({codec!r})" if codec else "simulcastOffer()")
        result["offer_has_ssrc"] = bool(re.search(r"m=video[^m]*a=ssrc:", offer))
        reply = await bus.request(node.inbox, "sfu.create-publisher",
                                  {"participantId": "alice", "roomId": "room-1", "offer": offer})
        answer = reply["answer"]
        result["answer_simulcast"] = re.findall(r"a=simulcast:(.*)\r", answer)
        result["answer_rid_extension"] = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id" in answer
        answer_video = answer[answer.index("m=video"):]
        result["answer_codecs"] = re.findall(r"a=rtpmap:\d+ ([\w-]+)/", answer_video)
        assert browser.js_async(f"applyAnswer({answer!r})") == "ok"

        @subscriber.on("track")
        def on_track(track) -> None:
            consumers.append(asyncio.ensure_future(count_frames(track, received)))

        # Wait until the node has routed a layer (the publisher's tracks exist), then subscribe.
        await wait_until(lambda: routed_rids(node), TIME_BOUND_S, "a simulcast layer routed",
                         details=lambda: f"browser: {browser.js_async('outboundStats()')}")
        reply = await bus.request(node.inbox, "sfu.create-subscriber",
                                  {"participantId": "bob", "publisherParticipantId": "alice"})
        offer = reply["offer"]
        video = offer[offer.index("m=video"):]
        result["subscriber_video_sections"] = offer.count("m=video")
        # The media SSRC, less the RTX one paired with it (a=ssrc-group:FID <media> <rtx>).
        rtx = set(re.findall(r"a=ssrc-group:FID \d+ (\d+)", video))
        result["subscriber_video_ssrcs"] = set(re.findall(r"a=ssrc:(\d+) ", video)) - rtx
        await subscriber.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        await subscriber.setLocalDescription(await subscriber.createAnswer())
        await bus.request(node.inbox, "sfu.subscriber-answer",
                          {"transportId": reply["transportId"], "answer": subscriber.localDescription.sdp})

        # Chromium may scale its layers down under CPU load (its adaptation), so the
        # top layer's size is read from its stats rather than assumed to be 1280×720.
        def top_layer_decoded() -> bool:
            top = remember_largest(result, browser.js_async("outboundStats()")).get("layers", {}).get("f", {})
            result["top_height"] = top.get("frameHeight", 0)
            decoded = max((height for _, height in received["sizes"]), default=0)
            return (received["video"] > MIN_VIDEO_FRAMES and routed_rids(node) == set(LAYERS)
                    and 0 < result["top_height"] <= decoded) or subscriber.connectionState == "failed"

        await wait_until(top_layer_decoded, TIME_BOUND_S, "the top layer decoded by the subscriber",
                         details=lambda: f"received {received}; routed {routed_rids(node)}; "
                                         f"browser: {browser.js_async('outboundStats()')}")
        result["by_height"] = {}
        for max_height in heights:
            await select_height(bus, node, reply["transportId"], max_height)

            def decodes_fitting_layer() -> bool:
                stats = remember_largest(result, browser.js_async("outboundStats()"))
                expected = stats["layers"].get(layer_for(stats, max_height), {}).get("frameHeight", 0)
                last = received.get("last", (0, 0))
                result["by_height"][max_height] = (last[1], layer_for(stats, max_height), expected)
                return expected > 0 and last[1] == expected

            await wait_until(decodes_fitting_layer, TIME_BOUND_S, f"the subscriber decoding the layer for {max_height} px",
                             details=lambda: f"received {received}; browser: {browser.js_async('outboundStats()')}")
            # Frames keep coming at that size.
            before = received["video"]
            await wait_until(lambda: received["video"] > before + 5 and decodes_fitting_layer(), TIME_BOUND_S,
                             f"the layer for {max_height} px still decoded")
        result["routed"] = routed_rids(node)
        result["browser"] = browser.js_async("outboundStats()")
        result["state"] = subscriber.connectionState
        metrics = node.http_text("/metrics")
        result["unknown_rid_drops"] = re.findall(r'meet_rtc_dropped_datagrams_total\{reason="unknown_rid"\} (\d+)',
                                                 metrics)
        # The layers' RTX streams (RFC 4588): every packet placed (probes on loopback: duplicates, padding).
        result["rtx"] = dict(re.findall(r'meet_sfu_upstream_rtx_packets_total\{kind="(\w+)"\} (\d+)', metrics))
    finally:
        for task in consumers:
            task.cancel()
        await subscriber.close()
        await bus.close()
    return result


def test_chromium_simulcast_reaches_subscriber_as_one_stream(echo_server, sfu_node):
    chromium = MeetBrowser("chromium", echo_server.base_url)
    try:
        chromium.driver.get(echo_server.base_url + "/simulcast.html")
        result = asyncio.run(publish_simulcast(sfu_node, chromium))
    finally:
        chromium.quit()
    received = result["received"]
    print(f"result: {result}")
    assert not result["offer_has_ssrc"], "Chromium announced SSRCs: the test would not exercise RID learning"
    assert result["answer_simulcast"] == ["recv q;h;f"], result["answer_simulcast"]
    assert result["answer_rid_extension"]
    assert result["routed"] == set(LAYERS), f"layers routed: {result['routed']}"
    assert result["subscriber_video_sections"] == 1
    assert len(result["subscriber_video_ssrcs"]) == 1, result["subscriber_video_ssrcs"]
    assert received["video"] > MIN_VIDEO_FRAMES, f"only {received['video']} frames decoded; {result['state']}"
    decoded = max(height for _, height in received["sizes"])
    assert decoded >= result["top_height"] > 0, f"decoded sizes {received['sizes']}, top layer {result['top_height']}p"
    assert result["unknown_rid_drops"] in ([], ["0"]), result["unknown_rid_drops"]
    assert result["rtx"].get("dropped", "0") == "0", result["rtx"]
    check_layer_sizes(result["largest"], result["limits"])


def test_chromium_h264_simulcast_layer_by_tile_size(echo_server, sfu_node):
    chromium = MeetBrowser("chromium", echo_server.base_url)
    try:
        chromium.driver.get(echo_server.base_url + "/simulcast.html")
        support = chromium.js("return h264Support()")
        assert support, "this Chromium offers no H.264 sender (RTCRtpSender.getCapabilities)"
        result = asyncio.run(publish_simulcast(sfu_node, chromium, codec="h264", heights=(360, 180, 720)))
    finally:
        chromium.quit()
    print(f"H.264 profiles offered {support}; result: {result}")
    assert result["answer_simulcast"] == ["recv q;h;f"], result["answer_simulcast"]
    assert result["answer_codecs"] == ["H264", "rtx"], result["answer_codecs"]
    assert result["rtx"].get("dropped", "0") == "0", result["rtx"]
    layers = result["browser"]["layers"]
    assert {rid: layer["codec"] for rid, layer in layers.items()} == {rid: "video/H264" for rid in LAYERS}, layers
    assert result["routed"] == set(LAYERS), f"layers routed: {result['routed']}"
    check_layer_sizes(result["largest"], result["limits"])
    # Each tile height got the largest layer that fits it, told apart by the sizes in the layers' SPS
    # (the waits above: decoded at that layer's size as Chromium sent it then).
    picked = {h: got[1] for h, got in result["by_height"].items()}
    if "cpu" not in result["limits"]:
        assert picked == {360: "h", 180: "q", 720: "f"}, result["by_height"]
    else:
        # Scaled down alike (f at most 720 px), the 720 px tile still gets f, and a larger tile never a smaller layer.
        rank = list(LAYERS)
        assert picked[720] == "f" and rank.index(picked[180]) <= rank.index(picked[360]), result["by_height"]
    assert result["unknown_rid_drops"] in ([], ["0"]), result["unknown_rid_drops"]
