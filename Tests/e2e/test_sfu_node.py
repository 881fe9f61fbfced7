"""meet-sfu end to end: registry in Redis, control over the bus, forwarding.

One meet-sfu process on free loopback ports against the test Redis. An
aiortc publisher sends Opus + VP8 (and, in a second run, H.264) through a transport created with
`sfu.create-publisher`; an aiortc subscriber gets the node's offer from
`sfu.create-subscriber`, answers with `sfu.subscriber-answer`, and must
decode more than 30 video frames of the publisher (its 320×240 size) and
audio. Also: the registry record and its load figures, typed control
errors, `sfu.close-participant`, and the record's removal on SIGTERM.
"""
from __future__ import annotations

import asyncio

import pytest
import redis
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack
from meet_e2e.env import redis_url_from_env
from meet_e2e.media import HEIGHT, WIDTH, SizedVideoTrack, count_frames, force_codecs
from meet_e2e.sfu import BusClient, BusError, SFUNode, first_record, read_record
from meet_e2e.waiting import wait_until

TIME_BOUND_S = 30.0
MIN_VIDEO_FRAMES = 30


def test_registry_record_and_health(sfu_node):
    record = first_record(sfu_node)
    assert record["id"] == sfu_node.node_id
    assert record["publicIP"] == "127.0.0.1"
    assert record["udpPort"] == sfu_node.udp_port
    assert record["region"] == "e2e"
    assert record["state"] == "serving"
    assert record["load"]["transports"] == 0

    client = redis.Redis.from_url(redis_url_from_env())
    try:
        assert client.sismember("sfu:nodes", sfu_node.node_id)
        ttl = client.pttl(sfu_node.record_key)
        assert 0 < ttl <= 5000, f"record TTL {ttl} ms"
    finally:
        client.close()

    assert sfu_node.http_status("/healthz") == 200
    assert sfu_node.http_status("/readyz") == 200
    metrics = sfu_node.http_text("/metrics")
    assert "meet_sfu_publishers" in metrics and "meet_rtc_datagrams_received_total" in metrics, metrics[:2000]

    # A clean shutdown removes the record and the set member.
    assert sfu_node.terminate() == 0, sfu_node.log()
    client = redis.Redis.from_url(redis_url_from_env())
    try:
        assert client.get(sfu_node.record_key) is None
        assert not client.sismember("sfu:nodes", sfu_node.node_id)
    finally:
        client.close()


async def forward_publisher_to_subscriber(node: SFUNode, video_codec: str = "VP8") -> dict:
    bus = BusClient(redis_url_from_env())
    await bus.start()
    publisher = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    subscriber = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    received = {"video": 0, "audio": 0, "sizes": set()}
    consumers: list[asyncio.Task] = []
    result: dict = {"received": received}
    try:
        # Typed errors first: nothing is published yet, and a bad offer.
        with pytest.raises(BusError) as unknown:
            await bus.request(node.inbox, "sfu.create-subscriber",
                              {"participantId": "viewer", "publisherParticipantId": "nobody"})
        result["unknown_publisher"] = unknown.value.code
        with pytest.raises(BusError) as bad:
            await bus.request(node.inbox, "sfu.create-publisher",
                              {"participantId": "p", "roomId": "r", "offer": "this is not SDP"})
        result["bad_sdp"] = bad.value.code
        with pytest.raises(BusError) as malformed:
            await bus.request(node.inbox, "sfu.create-publisher", {"participantId": "p"})
        result["bad_request"] = malformed.value.code

        # The publisher.
        publisher.addTrack(AudioStreamTrack())
        publisher.addTrack(SizedVideoTrack())
        force_codecs(publisher, video=video_codec)
        await publisher.setLocalDescription(await publisher.createOffer())
        reply = await bus.request(node.inbox, "sfu.create-publisher", {
            "participantId": "alice", "roomId": "room-1", "offer": publisher.localDescription.sdp,
        })
        result["publisher_transport"] = reply["transportId"]
        result["published_codecs"] = {track["kind"]: track["codec"] for track in reply["tracks"]}
        await publisher.setRemoteDescription(RTCSessionDescription(sdp=reply["answer"], type="answer"))

        # The subscriber: the node offers, the client answers.
        @subscriber.on("track")
        def on_track(track) -> None:
            consumers.append(asyncio.ensure_future(count_frames(track, received)))

        reply = await bus.request(node.inbox, "sfu.create-subscriber",
                                  {"participantId": "bob", "publisherParticipantId": "alice"})
        result["subscriber_transport"] = reply["transportId"]
        await subscriber.setRemoteDescription(RTCSessionDescription(sdp=reply["offer"], type="offer"))
        await subscriber.setLocalDescription(await subscriber.createAnswer())
        await bus.request(node.inbox, "sfu.subscriber-answer",
                          {"transportId": reply["transportId"], "answer": subscriber.localDescription.sdp})

        # Judged by the test below; a failed connection ends the wait early.
        await wait_until(lambda: (received["video"] > MIN_VIDEO_FRAMES and received["audio"] > 0)
                         or "failed" in (publisher.connectionState, subscriber.connectionState), TIME_BOUND_S,
                         "audio and video forwarded",
                         details=lambda: f"received {received}; states {(publisher.connectionState, subscriber.connectionState)}")
        result["states"] = (publisher.connectionState, subscriber.connectionState)

        # The load report sees the forwarding.
        async def loaded() -> bool:
            record = read_record(node)
            return bool(record and record["load"]["publishers"] == 1 and record["load"]["subscribers"] == 1
                        and record["load"]["packetsOutPerSecond"] > 0)
        result["load_reported"] = await wait_until(loaded, 5, "the load report to show the forwarding",
                                                   details=lambda: f"record: {read_record(node)}")
        result["record"] = read_record(node)

        # Closing the publisher's participant closes its subscriber too.
        closed = await bus.request(node.inbox, "sfu.close-participant", {"participantId": "alice"})
        result["closed"] = closed["closed"]
        with pytest.raises(BusError) as gone:
            await bus.request(node.inbox, "sfu.close-transport", {"transportId": result["subscriber_transport"]})
        result["closed_again"] = gone.value.code
    finally:
        for task in consumers:
            task.cancel()
        await publisher.close()
        await subscriber.close()
        await bus.close()
    return result


@pytest.mark.parametrize("video_codec", ["VP8", "H264"])
def test_publisher_media_reaches_subscriber(sfu_node, video_codec):
    result = asyncio.run(forward_publisher_to_subscriber(sfu_node, video_codec))
    received = result["received"]
    print(f"result: {result}")
    assert result["published_codecs"] == {"audio": "opus", "video": video_codec}, result["published_codecs"]
    assert result["unknown_publisher"] == "unknown_publisher"
    assert result["bad_sdp"] == "bad_sdp"
    assert result["bad_request"] == "bad_request"
    assert received["video"] > MIN_VIDEO_FRAMES, (
        f"only {received['video']} video frames forwarded in {TIME_BOUND_S}s; states {result['states']}"
    )
    assert received["audio"] > 0, "no audio frames forwarded"
    assert received["sizes"] == {(WIDTH, HEIGHT)}, f"forwarded frames have sizes {received['sizes']}"
    assert result["load_reported"], f"load not reported: {result['record']}"
    assert result["closed"] == 2
    assert result["closed_again"] == "unknown_transport"
