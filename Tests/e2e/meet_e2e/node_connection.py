"""One subscriber connection per node (`subscribe {perNode: true}`, docs/signaling.md)
as an aiortc client holds it: used by the node-connection and last-N tests."""
from __future__ import annotations

import asyncio

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from .media import count_frames
from .participant import Participant


class NodeConnection:
    """A participant's one subscriber connection to a node (`perNode`),
    following the node's offers; frames counted per publisher (by the
    section each track came on)."""

    def __init__(self, subscriber: Participant):
        self.subscriber = subscriber
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.transport_id: str | None = None
        self.owner_of_mid: dict[str, str] = {}
        self.counts: dict[str, dict] = {}  # mid → {"video", "audio", "sizes"}
        self.tasks: list[asyncio.Task] = []

        @self.pc.on("track")
        def on_track(track) -> None:
            mid = next(t.mid for t in self.pc.getTransceivers() if t.receiver.track is track)
            counts = self.counts.setdefault(mid, {"video": 0, "audio": 0, "sizes": set()})
            self.tasks.append(asyncio.ensure_future(count_frames(track, counts)))

    def video_from(self, participant_id: str) -> int:
        return sum(self.counts.get(mid, {}).get("video", 0)
                   for mid, owner in self.owner_of_mid.items() if owner == participant_id)

    def frames(self, kind: str) -> dict[str, int]:
        """Decoded frames of `kind` ("video" or "audio") per publisher id."""
        result: dict[str, int] = {}
        for mid, owner in self.owner_of_mid.items():
            result[owner] = result.get(owner, 0) + self.counts.get(mid, {}).get(kind, 0)
        return result

    async def follow(self, data: dict) -> None:
        """Applies a node offer (`subscription`) and answers it."""
        assert data.get("perNode") is True, data
        assert self.transport_id in (None, data["transportId"]), data
        self.transport_id = data["transportId"]
        self.owner_of_mid = {t["mid"]: t["participantId"].lower() for t in data["tracks"]}
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=data["offer"], type="offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        reply = await self.subscriber.signal.request(
            "subscribe-answer", {"transportId": self.transport_id, "answer": self.pc.localDescription.sdp})
        assert reply["type"] == "ack", reply

    async def add(self, publisher_id: str) -> dict:
        reply = await self.subscriber.signal.request("subscribe", {"participantId": publisher_id, "perNode": True})
        assert reply["type"] == "subscription", reply
        await self.follow(reply["data"])
        return reply["data"]

    async def remove(self, publisher_id: str) -> dict:
        reply = await self.subscriber.signal.request(
            "unsubscribe", {"transportId": self.transport_id, "participantId": publisher_id})
        assert reply["type"] == "subscription", reply
        await self.follow(reply["data"])
        return reply["data"]

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await self.pc.close()
