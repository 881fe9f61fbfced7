"""Active speakers end to end, with aiortc publishers (docs/signaling.md, "Active speakers").

Two nodes, two replicas. A publishes a steady 440 Hz tone on node 1 through
replica 1; B publishes aiortc's silence on node 2 through replica 2. aiortc
negotiates the audio-level header extension (RFC 6464) when the node's answer
keeps it, and writes each frame's level (RFC 6465 Appendix A: the tone at half
scale is about −9 dBov, silence −127) into every audio packet; no test code
touches RTP. Then:

1. Both sockets, on both replicas, get `active-speakers` with A first and B
   not listed (the node on which B publishes reports nobody, and each replica
   merges the two nodes' reports).
2. A's tone stops (silence from then on): both get `speakers: []`.
3. The node's answer to each publisher kept the audio-level extmap on the
   audio m-line, and only there.
"""
from __future__ import annotations

import asyncio
import re

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.media import SizedVideoTrack, ToneTrack, force_codecs
from meet_e2e.participant import Participant
from meet_e2e.stack import Stack

AUDIO_LEVEL_URI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request)


async def publish(person: Participant, audio, node_id: str) -> tuple[RTCPeerConnection, str]:
    """Publishes `audio` and 320×240 video on `node_id`; returns the connection and the node's answer."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTrack(audio)
    pc.addTrack(SizedVideoTrack())
    force_codecs(pc)
    await pc.setLocalDescription(await pc.createOffer())
    assert AUDIO_LEVEL_URI in pc.localDescription.sdp, "aiortc offers the audio level"
    reply = await person.signal.request("publish", {"offer": pc.localDescription.sdp, "nodeId": node_id})
    assert reply["type"] == "published", reply
    answer = reply["data"]["answer"]
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    person.publisher = pc
    return pc, answer


def extmaps_by_kind(sdp: str) -> dict[str, set[str]]:
    """Extension URIs per m-line kind."""
    result: dict[str, set[str]] = {}
    for section in re.split(r"\r?\nm=", sdp)[1:]:
        kind = section.split(" ", 1)[0]
        result.setdefault(kind, set()).update(re.findall(r"a=extmap:\d+\S* (\S+)", section))
    return result


async def scenario(stack: Stack) -> None:
    node1, node2 = stack.nodes
    owner = stack.rest.register("Ann")
    code = stack.rest.create_meeting(owner)
    a, b = Participant("A"), Participant("B")
    tone = ToneTrack()
    try:
        await a.join(stack, code, replica=0, token=owner)
        await b.join(stack, code, replica=1)
        _, answer_a = await publish(a, tone, node1.node_id)
        _, answer_b = await publish(b, AudioStreamTrack(), node2.node_id)
        for answer in (answer_a, answer_b):
            kinds = extmaps_by_kind(answer)
            assert AUDIO_LEVEL_URI in kinds["audio"] and AUDIO_LEVEL_URI not in kinds["video"], kinds

        # 1. The tone is ranked; the silent publisher is not listed.
        def tone_first(data: dict) -> bool:
            ids = [s["participantId"].lower() for s in data["speakers"]]
            return ids[:1] == [a.id] and b.id not in ids

        for person in (a, b):
            event = await person.signal.next_event("active-speakers", tone_first, timeout=30)
            level = event["speakers"][0]["level"]
            assert 50 <= level <= 100 and level % 5 == 0, event

        # 2. The tone stops: the room hears that nobody speaks.
        tone.on = False
        for person in (a, b):
            await person.signal.next_event("active-speakers", lambda d: d["speakers"] == [], timeout=30)
    finally:
        await a.close()
        await b.close()


def test_a_tone_publisher_is_ranked_above_a_silent_one(stack):
    asyncio.run(scenario(stack))
