"""Audio slots end to end, with aiortc (docs/dev/audio-slots.md).

Three aiortc participants publish audio only on node 1: Q silence, T1 a
440 Hz tone, T2 an 880 Hz tone that starts switched off. S subscribes to
all three over one node connection asking for one audio slot
(`subscribe {perNode, audioSlots: 1}`), Q first, so the slot starts on Q.
Then, decoding what the slot carries and reading the tone's pitch from its
zero crossings:

1. the offer lists one slot section and no publisher's audio in `tracks`;
   S's connection has one audio receiver;
2. the slot plays 440 Hz: the node moved it from silent Q to T1, the loudest;
3. T1 stops and T2 starts: the slot plays 880 Hz;
4. T2 leaves while it holds the slot, and T1 speaks again: the slot plays
   440 Hz (the departing publisher's stream was handed on, not dropped);
5. the slot's stream stayed one stream: its receiver counts (almost) no
   lost packets, so each switch continued the numbering where it stopped
   instead of jumping to another publisher's sequence numbers.
"""
from __future__ import annotations

import asyncio

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.media import ToneTrack, tone_of
from meet_e2e.participant import Participant
from meet_e2e.stack import Stack


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request)


async def publish_audio(person: Participant, track, node_id: str) -> None:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTrack(track)
    await pc.setLocalDescription(await pc.createOffer())
    reply = await person.signal.request("publish", {"offer": pc.localDescription.sdp, "nodeId": node_id})
    assert reply["type"] == "published", reply
    await pc.setRemoteDescription(RTCSessionDescription(sdp=reply["data"]["answer"], type="answer"))
    person.publisher = pc


class SlotListener:
    """S's node connection with audio slots: decodes each slot's audio and keeps its last half second."""

    def __init__(self, subscriber: Participant, slots: int):
        self.subscriber = subscriber
        self.slots = slots
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.transport_id: str | None = None
        self.recent: dict[str, list] = {}  # mid → last 25 decoded frames
        self.tasks: list[asyncio.Task] = []

        @self.pc.on("track")
        def on_track(track) -> None:
            mid = next(t.mid for t in self.pc.getTransceivers() if t.receiver.track is track)
            self.tasks.append(asyncio.ensure_future(self.listen(mid, track)))

    async def listen(self, mid: str, track) -> None:
        frames = self.recent.setdefault(mid, [])
        try:
            while True:
                frames.append(await track.recv())
                del frames[:-25]
        except MediaStreamError:
            pass

    async def add(self, publisher_id: str) -> dict:
        reply = await self.subscriber.signal.request(
            "subscribe", {"participantId": publisher_id, "perNode": True, "audioSlots": self.slots})
        assert reply["type"] == "subscription", reply
        data = reply["data"]
        assert self.transport_id in (None, data["transportId"]), data
        self.transport_id = data["transportId"]
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=data["offer"], type="offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        answer = await self.subscriber.signal.request(
            "subscribe-answer", {"transportId": self.transport_id, "answer": self.pc.localDescription.sdp})
        assert answer["type"] == "ack", answer
        return data

    async def wait_for_tone(self, mid: str, frequency: float, timeout: float = 20) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        heard = (0.0, 0.0)
        while asyncio.get_running_loop().time() < deadline:
            heard = tone_of(list(self.recent.get(mid, [])))
            if abs(heard[0] - frequency) < 0.15 * frequency and heard[1] > 2000:
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"slot {mid} never played {frequency} Hz: heard {heard[0]:.0f} Hz at RMS {heard[1]:.0f}")

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await self.pc.close()


async def scenario(stack: Stack) -> None:
    node = stack.nodes[0]
    owner = stack.rest.register("Sam")
    code = stack.rest.create_meeting(owner)
    s, q, t1, t2 = Participant("S"), Participant("Q"), Participant("T1"), Participant("T2")
    high, low = ToneTrack(440), ToneTrack(880, on=False)
    listener = SlotListener(s, slots=1)
    try:
        joined = await s.join(stack, code, replica=0, token=owner)
        assert joined["audioSlots"] == {"slots": 3, "aboveParticipants": 10}, joined
        for person, track in ((q, AudioStreamTrack()), (t1, high), (t2, low)):
            await person.join(stack, code, replica=1)
            await publish_audio(person, track, node.node_id)

        # 1. One slot section; no publisher's own audio section.
        for person in (q, t1, t2):
            data = await listener.add(person.id)
        assert len(data["audioSlots"]) == 1, data
        assert not [t for t in data["tracks"] if t["kind"] == "mic"], data["tracks"]
        slot = data["audioSlots"][0]
        audio = [t for t in listener.pc.getTransceivers() if t.kind == "audio" and t.currentDirection == "recvonly"]
        assert [t.mid for t in audio] == [slot], [(t.mid, t.currentDirection) for t in listener.pc.getTransceivers()]

        # 2. The slot moves from silent Q to the loudest, T1.
        await listener.wait_for_tone(slot, 440)

        # 3. T1 goes quiet, T2 speaks: the slot follows.
        high.on, low.on = False, True
        await listener.wait_for_tone(slot, 880)

        # 4. T2 leaves holding the slot; T1 speaks again.
        await t2.close()
        high.on = True
        await listener.wait_for_tone(slot, 440)

        # 5. One continuous stream on the slot's SSRC.
        stats = [r for r in (await listener.pc.getStats()).values() if r.type == "inbound-rtp" and r.kind == "audio"]
        assert len(stats) == 1, stats
        assert stats[0].packetsReceived > 20, stats
        assert abs(stats[0].packetsLost) <= 5, f"the slot's numbering jumped: {stats[0]}"
    finally:
        await listener.close()
        for person in (s, q, t1, t2):
            await person.close()


def test_one_audio_slot_follows_the_loudest_publisher(stack):
    asyncio.run(scenario(stack))
