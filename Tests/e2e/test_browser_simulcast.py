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
layer, no size limit yet).
"""
from __future__ import annotations

import asyncio
import re

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from meet_e2e.browser import MeetBrowser
from meet_e2e.env import redis_url_from_env
from meet_e2e.media import count_frames
from meet_e2e.sfu import BusClient, SFUNode
from meet_e2e.waiting import wait_until

TIME_BOUND_S = 40.0
MIN_VIDEO_FRAMES = 30
LAYERS = {"q": (320, 180), "h": (640, 360), "f": (1280, 720)}


def routed_rids(node: SFUNode) -> set[str]:
    """The RIDs the node routed as simulcast layers (its debug log's "track routed" lines, whole file)."""
    rids = set()
    for line in node.log_path.read_text(errors="replace").splitlines():
        if "track routed" in line and (match := re.search(r'\brid"?\s*[=:]\s*"?(\w+)', line)):
            if match.group(1) != "none":
                rids.add(match.group(1))
    return rids


async def publish_simulcast(node: SFUNode, browser) -> dict:
    bus = BusClient(redis_url_from_env())
    await bus.start()
    subscriber = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    received = {"video": 0, "audio": 0, "sizes": set()}
    consumers: list[asyncio.Task] = []
    result: dict = {"received": received}
    try:
        offer = browser.js_async("simulcastOffer()")
        result["offer_has_ssrc"] = bool(re.search(r"m=video[^m]*a=ssrc:", offer))
        reply = await bus.request(node.inbox, "sfu.create-publisher",
                                  {"participantId": "alice", "roomId": "room-1", "offer": offer})
        answer = reply["answer"]
        result["answer_simulcast"] = re.findall(r"a=simulcast:(.*)\r", answer)
        result["answer_rid_extension"] = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id" in answer
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
            top = browser.js_async("outboundStats()").get("layers", {}).get("f", {})
            result["top_height"] = top.get("frameHeight", 0)
            decoded = max((height for _, height in received["sizes"]), default=0)
            return (received["video"] > MIN_VIDEO_FRAMES and routed_rids(node) == set(LAYERS)
                    and 0 < result["top_height"] <= decoded) or subscriber.connectionState == "failed"

        await wait_until(top_layer_decoded, TIME_BOUND_S, "the top layer decoded by the subscriber",
                         details=lambda: f"received {received}; routed {routed_rids(node)}; "
                                         f"browser: {browser.js_async('outboundStats()')}")
        result["routed"] = routed_rids(node)
        result["browser"] = browser.js_async("outboundStats()")
        result["state"] = subscriber.connectionState
        result["unknown_rid_drops"] = re.findall(r'meet_rtc_dropped_datagrams_total\{reason="unknown_rid"\} (\d+)',
                                                 node.http_text("/metrics"))
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
