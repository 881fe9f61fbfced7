"""An aiortc participant of a meeting, speaking the documented protocol
(docs/signaling.md): its signaling socket, one publisher connection, and one
subscriber connection per publisher it watches, counting what it decodes.
Used by the cluster, REMB, recovery and outage tests and the first-frame
benchmark; `mover.Mover` (the migration tests) adds following `migrate` and
resuming on top of the same steps.
"""
from __future__ import annotations

import asyncio

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack
from .media import SizedVideoTrack, count_frames, force_codecs
from .signaling import Signal
from .stack import Stack


async def publisher_connection() -> RTCPeerConnection:
    """A connection sending aiortc's audio and 320×240 video, its offer set locally."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTrack(AudioStreamTrack())
    pc.addTrack(SizedVideoTrack())
    force_codecs(pc)
    await pc.setLocalDescription(await pc.createOffer())
    return pc


class Participant:
    def __init__(self, name: str):
        self.name = name
        self.signal = Signal(name)
        self.id = ""  # lower case, as the tests compare it
        self.publisher: RTCPeerConnection | None = None
        # publisher id → {"pc", "counts": {"video", "audio", "sizes"}, "reply"}
        self.subscriptions: dict[str, dict] = {}
        self.tasks: list[asyncio.Task] = []
        self.join_token = ""

    async def join(self, stack: Stack, code: str, replica: int, token: str | None = None,
                   headers: dict | None = None) -> dict:
        """REST join (as a member with `token`, else as a guest), then `join` on meet-ws `replica`
        (`headers` on the WebSocket upgrade)."""
        joined = stack.rest.join(code, token=token, guest_name=None if token else self.name)
        self.id = joined["participant"]["id"].lower()
        # The seat's token: a REST bearer for the meeting's participants, chat and files.
        self.join_token = joined["joinToken"]
        await self.signal.connect(stack.ws_url(replica), joined["joinToken"], headers=headers)
        reply = await self.signal.request("join")
        assert reply["type"] == "joined", reply
        return reply["data"]

    async def publish(self, node_id: str | None = None, region: str | None = None) -> dict:
        """Publishes audio and 320×240 video (on `node_id` when placement hints are on; preferring
        `region`'s nodes)."""
        self.publisher = await publisher_connection()
        body = {"offer": self.publisher.localDescription.sdp}
        if node_id:
            body["nodeId"] = node_id
        if region:
            body["region"] = region
        reply = await self.signal.request("publish", body)
        assert reply["type"] == "published", reply
        data = reply["data"]
        await self.publisher.setRemoteDescription(RTCSessionDescription(sdp=data["answer"], type="answer"))
        return data

    async def subscribe(self, publisher_id: str, e2ee: bool = False) -> dict:
        """Subscribes to `publisher_id` and decodes every track it gets, counting frames
        (`e2ee`: says it decrypts, as an end-to-end encrypted meeting requires)."""
        body = {"participantId": publisher_id}
        if e2ee:
            body["e2ee"] = True
        reply = await self.signal.request("subscribe", body)
        assert reply["type"] == "subscription", reply
        data = reply["data"]
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        counts = {"video": 0, "audio": 0, "sizes": set()}

        @pc.on("track")
        def on_track(track) -> None:
            self.tasks.append(asyncio.ensure_future(count_frames(track, counts)))

        await pc.setRemoteDescription(RTCSessionDescription(sdp=data["offer"], type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        answer = await self.signal.request("subscribe-answer",
                                           {"transportId": data["transportId"], "answer": pc.localDescription.sdp})
        assert answer["type"] == "ack", answer
        self.subscriptions[publisher_id] = {"pc": pc, "counts": counts, "reply": data}
        return data

    @property
    def frames(self) -> int:
        """Video frames decoded from everyone this participant watches."""
        return sum(sub["counts"]["video"] for sub in self.subscriptions.values())

    async def audio_packets_from(self, publisher_id: str) -> int:
        stats = await self.subscriptions[publisher_id]["pc"].getStats()
        return sum(s.packetsReceived for s in stats.values() if s.type == "inbound-rtp" and s.kind == "audio")

    async def audio_packets_sent(self) -> int:
        stats = await self.publisher.getStats()
        return sum(s.packetsSent for s in stats.values() if s.type == "outbound-rtp" and s.kind == "audio")

    def lefts(self) -> list[str]:
        """Participants this socket was told left."""
        return [m["data"]["participantId"].lower() for m in self.signal.seen if m["type"] == "participant-left"]

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        for sub in self.subscriptions.values():
            await sub["pc"].close()
        if self.publisher is not None:
            await self.publisher.close()
        await self.signal.close()
