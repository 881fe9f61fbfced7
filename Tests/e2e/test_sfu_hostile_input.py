"""meet-sfu against hostile input from a participant's own address (issue 13).

One meet-sfu on free loopback ports against the test Redis, an aiortc publisher
(Opus + VP8) and an aiortc subscriber through the bus, as in test_sfu_node.py.

- The worst one: once media flows, the publisher's own ICE socket sends the
  spoofed 22-byte DTLS datagram (an application_data record header, epoch 1,
  length 9, then garbage) and a plaintext fatal alert to the node. Both must be
  dropped and counted (`meet_rtc_dropped_datagrams_total{reason="dtls_discarded"}`),
  the publication must live on (the subscriber keeps decoding, the node still
  holds one publisher and one subscriber).
- Offers that break the SDP rules (duplicate mid, SSRC 2^32, RTX naming itself,
  a 30 KB fmtp) are refused with `bad_sdp` naming the problem.
"""
from __future__ import annotations

import asyncio
import re

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack
from meet_e2e.env import redis_url_from_env
from meet_e2e.media import SizedVideoTrack, count_frames, force_codecs
from meet_e2e.sfu import BusClient, BusError, SFUNode, read_record
from meet_e2e.waiting import wait_until

TIME_BOUND_S = 30.0
SPOOFED = [
    bytes([23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 9]) + bytes(range(0x41, 0x4A)),
    bytes([21, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 9, 0, 2, 2, 40]),
]


def discarded_dtls(node: SFUNode) -> int:
    match = re.search(r'meet_rtc_dropped_datagrams_total\{reason="dtls_discarded"\} (\d+)', node.http_text("/metrics"))
    return int(match.group(1)) if match else 0


async def spoof_dtls_on_live_transport(node: SFUNode) -> dict:
    bus = BusClient(redis_url_from_env())
    await bus.start()
    publisher = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    subscriber = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    received = {"video": 0, "audio": 0, "sizes": set()}
    consumers: list[asyncio.Task] = []
    result: dict = {}
    try:
        publisher.addTrack(AudioStreamTrack())
        publisher.addTrack(SizedVideoTrack())
        force_codecs(publisher, video="VP8")
        await publisher.setLocalDescription(await publisher.createOffer())
        reply = await bus.request(node.inbox, "sfu.create-publisher", {
            "participantId": "alice", "roomId": "room-1", "offer": publisher.localDescription.sdp,
        })
        await publisher.setRemoteDescription(RTCSessionDescription(sdp=reply["answer"], type="answer"))

        @subscriber.on("track")
        def on_track(track) -> None:
            consumers.append(asyncio.ensure_future(count_frames(track, received)))

        reply = await bus.request(node.inbox, "sfu.create-subscriber",
                                  {"participantId": "bob", "publisherParticipantId": "alice"})
        await subscriber.setRemoteDescription(RTCSessionDescription(sdp=reply["offer"], type="offer"))
        await subscriber.setLocalDescription(await subscriber.createAnswer())
        await bus.request(node.inbox, "sfu.subscriber-answer",
                          {"transportId": reply["transportId"], "answer": subscriber.localDescription.sdp})

        async def frames_over(count: int) -> bool:
            return received["video"] > count

        result["before"] = await wait_until(lambda: frames_over(10), TIME_BOUND_S, "media flowing before the spoofed datagrams",
                                            details=lambda: f"frames {received['video']}")
        frames_before = received["video"]
        discarded_before = discarded_dtls(node)

        async def counted() -> bool:
            return discarded_dtls(node) >= discarded_before + len(SPOOFED)

        # Send from the publisher's own ICE socket, over its nominated pair: the
        # node sees the publisher's validated address.
        connection = publisher.getTransceivers()[0].sender.transport.transport._connection
        for datagram in SPOOFED:
            await connection.sendto(datagram, 1)

        result["counted"] = await wait_until(counted, 10, "the spoofed datagrams counted as discarded",
                                             details=lambda: f"discarded {discarded_dtls(node) - discarded_before}")
        result["discarded"] = discarded_dtls(node) - discarded_before
        result["after"] = await wait_until(
            lambda: frames_over(frames_before + 30), TIME_BOUND_S, "media still flowing after the spoofed datagrams",
            details=lambda: f"frames {(frames_before, received['video'])}, states {(publisher.connectionState, subscriber.connectionState)}")
        result["frames"] = (frames_before, received["video"])
        result["states"] = (publisher.connectionState, subscriber.connectionState)
        record = read_record(node)
        result["load"] = record and (record["load"]["publishers"], record["load"]["subscribers"])
    finally:
        for task in consumers:
            task.cancel()
        await publisher.close()
        await subscriber.close()
        await bus.close()
    return result


def test_spoofed_dtls_datagram_does_not_end_the_publication(sfu_node):
    result = asyncio.run(spoof_dtls_on_live_transport(sfu_node))
    print(f"result: {result}")
    assert result["before"], "media never flowed before the spoofed datagrams"
    assert result["counted"] and result["discarded"] >= len(SPOOFED), result
    assert result["after"], f"media stopped after the spoofed datagrams: frames {result['frames']}, states {result['states']}"
    assert result["states"] == ("connected", "connected"), result
    assert result["load"] == (1, 1), result


def broken_offers(offer: str) -> dict[str, tuple[str, str]]:
    """name → (broken offer, text the bad_sdp message must contain)."""
    mids = re.findall(r"a=mid:(\S+)", offer)
    ssrc = re.search(r"a=ssrc:(\d+) ", offer).group(1)
    rtx = re.search(r"a=fmtp:(\d+) apt=(\d+)", offer)
    assert len(mids) >= 2 and rtx, offer
    return {
        "duplicate mid": (offer.replace(f"a=mid:{mids[1]}\r\n", f"a=mid:{mids[0]}\r\n"), f'duplicate mid "{mids[0]}"'),
        "ssrc 2^32": (offer.replace(f"a=ssrc:{ssrc} ", "a=ssrc:4294967296 "), "malformed a=ssrc"),
        "rtx apt itself": (offer.replace(rtx.group(0), f"a=fmtp:{rtx.group(1)} apt={rtx.group(1)}"), "names itself"),
        "30 KB fmtp": (offer.replace(rtx.group(0), rtx.group(0) + ";x=" + "a" * 30000), "a=fmtp line of"),
    }


async def offer_broken_sdp(node: SFUNode) -> dict:
    bus = BusClient(redis_url_from_env())
    await bus.start()
    publisher = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    refused: dict = {}
    try:
        publisher.addTrack(AudioStreamTrack())
        publisher.addTrack(SizedVideoTrack())
        await publisher.setLocalDescription(await publisher.createOffer())
        for name, (sdp, expected) in broken_offers(publisher.localDescription.sdp).items():
            try:
                await bus.request(node.inbox, "sfu.create-publisher",
                                  {"participantId": "mallory", "roomId": "room-1", "offer": sdp})
                refused[name] = ("accepted", "", expected)
            except BusError as error:
                refused[name] = (error.code, str(error), expected)
        # The untouched offer is still accepted.
        reply = await bus.request(node.inbox, "sfu.create-publisher", {
            "participantId": "alice", "roomId": "room-1", "offer": publisher.localDescription.sdp,
        })
        refused["original"] = ("accepted" if reply.get("answer") else "no answer", "", "")
    finally:
        await publisher.close()
        await bus.close()
    return refused


def test_invalid_offers_get_bad_sdp_naming_the_problem(sfu_node):
    refused = asyncio.run(offer_broken_sdp(sfu_node))
    print(f"refused: {refused}")
    assert refused.pop("original")[0] == "accepted"
    for name, (code, message, expected) in refused.items():
        assert code == "bad_sdp", f"{name}: {code} {message}"
        assert expected in message, f"{name}: {message!r} does not name {expected!r}"
