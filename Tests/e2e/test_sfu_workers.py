"""meet-sfu with several workers (issue #17, docs/dev/sfu-workers.md).

One meet-sfu process with `MEET_SFU_WORKERS` = 1 and 2, on one UDP port,
against the test Redis. Two rooms, each with an aiortc publisher (VP8) and
two aiortc subscribers, all at once: each aiortc connection has its own UDP
socket, so the kernel spreads their datagrams over the node's sockets
independently of the worker that holds them, and with 2 workers about half
of them reach their transport through the hand-off. Every subscriber must
decode the publisher's video; /metrics shows one CPU counter per worker.
"""
from __future__ import annotations

import asyncio

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from meet_e2e.env import redis_url_from_env
from meet_e2e.media import SizedVideoTrack, count_frames, force_codecs
from meet_e2e.sfu import BusClient, SFUNode
from meet_e2e.waiting import wait_until

TIME_BOUND_S = 30.0
MIN_VIDEO_FRAMES = 20
ROOMS = 2
SUBSCRIBERS_PER_ROOM = 2


async def run_rooms(node: SFUNode) -> list[dict]:
    bus = BusClient(redis_url_from_env())
    await bus.start()
    connections: list[RTCPeerConnection] = []
    consumers: list[asyncio.Task] = []
    counts: list[dict] = []
    try:
        for room in range(ROOMS):
            publisher = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            connections.append(publisher)
            publisher.addTrack(SizedVideoTrack())
            force_codecs(publisher, video="VP8")
            await publisher.setLocalDescription(await publisher.createOffer())
            reply = await bus.request(node.inbox, "sfu.create-publisher", {
                "participantId": f"publisher-{room}", "roomId": f"room-{room}", "offer": publisher.localDescription.sdp,
            })
            await publisher.setRemoteDescription(RTCSessionDescription(sdp=reply["answer"], type="answer"))
            for index in range(SUBSCRIBERS_PER_ROOM):
                subscriber = RTCPeerConnection(RTCConfiguration(iceServers=[]))
                connections.append(subscriber)
                received = {"video": 0, "audio": 0, "sizes": set(), "room": room}
                counts.append(received)

                def on_track(track, received=received) -> None:
                    consumers.append(asyncio.ensure_future(count_frames(track, received)))
                subscriber.on("track", on_track)
                reply = await bus.request(node.inbox, "sfu.create-subscriber", {
                    "participantId": f"viewer-{room}-{index}", "publisherParticipantId": f"publisher-{room}",
                })
                await subscriber.setRemoteDescription(RTCSessionDescription(sdp=reply["offer"], type="offer"))
                await subscriber.setLocalDescription(await subscriber.createAnswer())
                await bus.request(node.inbox, "sfu.subscriber-answer",
                                  {"transportId": reply["transportId"], "answer": subscriber.localDescription.sdp})
        await wait_until(
            lambda: all(c["video"] > MIN_VIDEO_FRAMES for c in counts)
            or any(pc.connectionState == "failed" for pc in connections),
            TIME_BOUND_S, "video forwarded to every subscriber",
            details=lambda: f"received {counts}; states {[pc.connectionState for pc in connections]}")
        for c in counts:
            c["states"] = [pc.connectionState for pc in connections]
    finally:
        for task in consumers:
            task.cancel()
        for pc in connections:
            await pc.close()
        await bus.close()
    return counts


@pytest.mark.parametrize("workers", [1, 2])
def test_rooms_forwarded_on_every_worker(tmp_path, workers):
    node = SFUNode(tmp_path, redis_url_from_env(), extra_env={"MEET_SFU_WORKERS": str(workers)})
    try:
        counts = asyncio.run(run_rooms(node))
        for c in counts:
            assert c["video"] > MIN_VIDEO_FRAMES, f"room {c['room']}: {c['video']} frames; {counts}\n{node.log()[-4000:]}"
        metrics = node.http_text("/metrics")
        for worker in range(workers):
            assert f'meet_sfu_worker_cpu_seconds_total{{worker="{worker}"}}' in metrics, metrics[:3000]
        assert f'worker="{workers}"' not in metrics
    finally:
        node.stop()
