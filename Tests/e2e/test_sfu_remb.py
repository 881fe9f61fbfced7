"""REMB to a publisher without transport-cc (docs/rtc.md, "Bandwidth
feedback to publishers"): aiortc offers goog-remb but no transport-wide CC,
so without the node's REMB its VP8 encoder stays at its 500 kbit/s start
for the whole call. Through the whole stack (meet-api, meet-ws, one
meet-sfu), an aiortc publisher's encoder target must move to the node's
estimate. Prints the target and the bitrate actually sent; asserts no
duration.
"""
from __future__ import annotations

import asyncio
import time

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.participant import Participant
from meet_e2e.stack import Stack
from meet_e2e.waiting import wait_until

AIORTC_START = 500_000


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request, ws_replicas=1, sfu_nodes=1)


def video_encoder_target(publisher: Participant) -> int | None:
    """The aiortc VP8 encoder's target bitrate (private state: aiortc has no API for it)."""
    for sender in publisher.publisher.getSenders():
        if sender.track is not None and sender.track.kind == "video":
            encoder = getattr(sender, "_RTCRtpSender__encoder", None)
            return getattr(encoder, "target_bitrate", None)
    return None


async def video_bytes_sent(publisher: Participant) -> int:
    stats = await publisher.publisher.getStats()
    return sum(s.bytesSent for s in stats.values() if s.type == "outbound-rtp" and s.kind == "video")


async def scenario(stack: Stack) -> None:
    owner_token = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner_token)
    publisher = Participant("P")
    try:
        await publisher.join(stack, code, replica=0, token=owner_token)
        published = await publisher.publish()
        assert "transport-cc" not in published["answer"] and "goog-remb" in published["answer"], published["answer"]
        await wait_until(lambda: video_encoder_target(publisher) is not None, 20, "aiortc's video encoder running")
        assert video_encoder_target(publisher) == AIORTC_START
        started, sent_before = time.monotonic(), await video_bytes_sent(publisher)
        await wait_until(lambda: video_encoder_target(publisher) != AIORTC_START, 20,
                         "the node's REMB reached aiortc's encoder")
        target = video_encoder_target(publisher)
        assert target > AIORTC_START, target
        await asyncio.sleep(3)  # only to report a send rate below; nothing is judged on it
        rate = (await video_bytes_sent(publisher) - sent_before) * 8 / (time.monotonic() - started)
        print(f"aiortc encoder target {AIORTC_START / 1e6:.2f} -> {target / 1e6:.2f} Mbit/s; "
              f"video sent {rate / 1e6:.2f} Mbit/s (flat 320x240 frames)")
    finally:
        await publisher.close()


def test_aiortc_publisher_follows_the_nodes_remb(stack):
    asyncio.run(scenario(stack))
