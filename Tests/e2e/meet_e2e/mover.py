"""aiortc participants that follow `migrate`, resume after a lost socket, and
time every video frame they receive, for the drain and failure tests and the
migration benchmark (scripts/bench-migration).

A `Mover` does what docs/signaling.md asks of a client:

- `migrate` for its own publication: a new peer connection with the same
  tracks, `publish {offer, replaces}`; the old connection keeps sending until
  its node closes it (or 15 s pass), so subscribers that have not moved yet
  still get media (make-before-break).
- `migrate` for a subscription: `subscribe` the same publisher again (its new
  node), wait for the first video frame on the new connection, then
  `unsubscribe` the old transport and close its connection.
- its socket closes without being asked (the replica died): reconnect to the
  next replica with backoff and `join` again with the same join token; the
  seat, the publication and the subscriptions are resumed, peer connections
  are untouched.

Each subscriber records the arrival time of every video frame per publisher
(over all its connections to that publisher), so a test can measure the
largest gap around an event.
"""
from __future__ import annotations

import asyncio
import time

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from .participant import publisher_connection
from .signaling import Signal, SignalError
from .stack import Stack

OLD_PUBLISHER_GRACE = 15.0


class Mover:
    """One participant: signaling with resume, a publisher pc, subscriber pcs."""

    def __init__(self, name: str, per_node: bool = False):
        self.name = name
        # `perNode` subscriptions: one connection per node, entries in
        # `subscriptions` keyed "transportId/publisher" (docs/signaling.md).
        self.per_node = per_node
        # transportId → {"pc", "mid_owner": {mid: publisher id}}
        self.connections: dict[str, dict] = {}
        self._offers = asyncio.Lock()
        self.signal = Signal(name)
        self.id = ""
        self.join_token = ""
        self.ws_urls: list[str] = []
        self.replica = 0
        self.publisher: RTCPeerConnection | None = None
        self.publication: dict | None = None
        # transportId → {"publisher": id, "pc": pc, "first_frame": Event}
        self.subscriptions: dict[str, dict] = {}
        # publisher id → arrival times (time.monotonic()) of video frames
        self.frames: dict[str, list[float]] = {}
        self.events: list[tuple[float, dict]] = []
        self.migrations: list[dict] = []
        self.resumes: list[dict] = []
        self.errors: list[str] = []
        self._tasks: list[asyncio.Task] = []
        self._pump: asyncio.Task | None = None
        self._closing = False

    # -- joining and resuming --------------------------------------------------

    async def join(self, stack: Stack, code: str, replica: int, token: str | None = None) -> dict:
        joined = stack.rest.join(code, token=token, guest_name=None if token else self.name)
        self.id = joined["participant"]["id"].lower()
        self.join_token = joined["joinToken"]
        self.ws_urls = [stack.ws_url(i) for i in range(len(stack.replicas))]
        self.replica = replica
        await self.signal.connect(self.ws_urls[replica], self.join_token)
        reply = await self.signal.request("join")
        assert reply["type"] == "joined", reply
        self._pump = asyncio.ensure_future(self._run_pump())
        return reply["data"]

    async def _run_pump(self) -> None:
        while not self._closing:
            get = asyncio.ensure_future(self.signal.events.get())
            closed = asyncio.ensure_future(self.signal.closed.wait())
            try:
                done, _ = await asyncio.wait({get, closed}, return_when=asyncio.FIRST_COMPLETED)
            finally:  # cancelled (close()): leave no waiter behind
                if not get.done():
                    get.cancel()
                if not closed.done():
                    closed.cancel()
            if get in done and not get.cancelled():
                self._handle(get.result())
                continue
            if self._closing:
                return
            await self._resume()

    def _handle(self, message: dict) -> None:
        self.events.append((time.monotonic(), message))
        data = message.get("data", {})
        if message["type"] == "migrate":
            self.migrations.append({**data, "at": time.monotonic()})
            self._spawn(self._follow(data))
        elif message["type"] == "subscription-closed":
            entry = self.subscriptions.pop(data.get("transportId", ""), None)
            if entry is not None:
                self._spawn(entry["pc"].close())

    async def _resume(self) -> None:
        """The socket closed under us: the next replica, same token, `join`."""
        delay = 0.1
        for attempt in range(20):
            self.replica = (self.replica + 1) % len(self.ws_urls)
            signal = Signal(f"{self.name}r{attempt}")
            try:
                await signal.connect(self.ws_urls[self.replica], self.join_token)
                reply = await signal.request("join")
            except Exception as error:  # refused, reset, not ready yet: back off and retry
                self.errors.append(f"resume attempt {attempt}: {error!r}")
                await signal.close()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            self.signal = signal
            self.resumes.append({"at": time.monotonic(), "replica": self.replica, "data": reply["data"]})
            return
        self.errors.append("could not resume")
        self._closing = True

    # -- publishing ------------------------------------------------------------------

    async def publish(self, node_id: str | None = None) -> dict:
        pc, offer = await self._publisher_offer()
        body = {"offer": offer}
        if node_id:
            body["nodeId"] = node_id
        data = await self._finish_publish(pc, body)
        return data

    async def _publisher_offer(self) -> tuple[RTCPeerConnection, str]:
        pc = await publisher_connection()
        return pc, pc.localDescription.sdp

    async def _finish_publish(self, pc: RTCPeerConnection, body: dict) -> dict:
        reply = await self.signal.request("publish", body)
        assert reply["type"] == "published", reply
        data = reply["data"]
        await pc.setRemoteDescription(RTCSessionDescription(sdp=data["answer"], type="answer"))
        self.publisher = pc
        self.publication = data
        return data

    async def _republish(self, instruction: dict) -> None:
        old_pc = self.publisher
        pc, offer = await self._publisher_offer()
        await self._finish_publish(pc, {"offer": offer, "replaces": instruction["transportId"]})
        if old_pc is not None:
            self._spawn(self._retire_publisher(old_pc, lost=instruction["reason"] == "node_lost"))

    async def _retire_publisher(self, pc: RTCPeerConnection, lost: bool) -> None:
        """Keep sending on the old connection until its node closes it."""
        deadline = time.monotonic() + (0 if lost else OLD_PUBLISHER_GRACE)
        while time.monotonic() < deadline and pc.connectionState not in ("closed", "failed"):
            await asyncio.sleep(0.1)
        await pc.close()

    # -- subscribing ------------------------------------------------------------------

    async def subscribe(self, publisher_id: str) -> dict:
        publisher_id = publisher_id.lower()
        if self.per_node:
            async with self._offers:  # one offer at a time on a connection
                reply = await self.signal.request("subscribe", {"participantId": publisher_id, "perNode": True})
                assert reply["type"] == "subscription", reply
                await self._follow_offer(reply["data"])
            return reply["data"]
        reply = await self.signal.request("subscribe", {"participantId": publisher_id})
        assert reply["type"] == "subscription", reply
        data = reply["data"]
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        first_frame = asyncio.Event()
        frames = self.frames.setdefault(publisher_id, [])

        @pc.on("track")
        def on_track(track) -> None:
            async def consume() -> None:
                try:
                    while True:
                        await track.recv()
                        if track.kind == "video":
                            frames.append(time.monotonic())
                            first_frame.set()
                except MediaStreamError:
                    pass

            self._spawn(consume())

        self.subscriptions[data["transportId"]] = {"publisher": publisher_id, "pc": pc, "first_frame": first_frame,
                                                   "nodeId": data["nodeId"]}
        await pc.setRemoteDescription(RTCSessionDescription(sdp=data["offer"], type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        answer = await self.signal.request("subscribe-answer",
                                           {"transportId": data["transportId"], "answer": pc.localDescription.sdp})
        assert answer["type"] == "ack", answer
        return data

    async def _follow_offer(self, data: dict) -> None:
        """Applies a node's offer on its per-node connection (made on the first) and answers it."""
        transport_id = data["transportId"]
        connection = self.connections.get(transport_id)
        if connection is None:
            pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            connection = {"pc": pc, "mid_owner": {}}
            self.connections[transport_id] = connection

            @pc.on("track")
            def on_track(track) -> None:
                mid = next(t.mid for t in pc.getTransceivers() if t.receiver.track is track)
                self._spawn(self._consume(track, transport_id, mid))

        before = set(connection["mid_owner"].values())
        connection["mid_owner"] = {t["mid"]: t["participantId"].lower() for t in data["tracks"]}
        # Entries for the publishers this offer adds (one that stays may have moved on already).
        for owner in set(connection["mid_owner"].values()) - before:
            self.subscriptions.setdefault(f"{transport_id}/{owner}", {
                "publisher": owner, "pc": connection["pc"], "first_frame": asyncio.Event(), "nodeId": data["nodeId"]})
        pc = connection["pc"]
        await pc.setRemoteDescription(RTCSessionDescription(sdp=data["offer"], type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        answer = await self.signal.request("subscribe-answer",
                                           {"transportId": transport_id, "answer": pc.localDescription.sdp})
        assert answer["type"] == "ack", answer

    async def _consume(self, track, transport_id: str, mid: str) -> None:
        """Counts video frames of one section of a per-node connection for whoever it carries now."""
        try:
            while True:
                await track.recv()
                owner = self.connections.get(transport_id, {}).get("mid_owner", {}).get(mid)
                if track.kind != "video" or owner is None:
                    continue
                self.frames.setdefault(owner, []).append(time.monotonic())
                entry = self.subscriptions.get(f"{transport_id}/{owner}")
                if entry is not None:
                    entry["first_frame"].set()
        except MediaStreamError:
            pass

    async def _resubscribe_per_node(self, instruction: dict) -> None:
        """`publisher_moved` on a per-node connection: subscribe on the new node, then take it off the old one."""
        old_id, publisher = instruction["transportId"], instruction["publisherParticipantId"].lower()
        data = await self.subscribe(publisher)
        new = self.subscriptions.get(f"{data['transportId']}/{publisher}")
        if new is not None and instruction["reason"] != "node_lost":
            try:
                await asyncio.wait_for(new["first_frame"].wait(), 10)
            except asyncio.TimeoutError:
                self.errors.append(f"no media from {publisher} on {data['transportId']} within 10 s")
        self.subscriptions.pop(f"{old_id}/{publisher}", None)
        async with self._offers:
            try:
                reply = await self.signal.request("unsubscribe", {"transportId": old_id, "participantId": publisher})
            except SignalError as error:
                reply = None
                if error.code != "not_found":
                    self.errors.append(f"unsubscribe {publisher} from {old_id}: {error}")
            if reply is not None and reply["type"] == "subscription":
                await self._follow_offer(reply["data"])
                return
            connection = self.connections.get(old_id)
            if connection is not None:
                connection["mid_owner"] = {m: o for m, o in connection["mid_owner"].items() if o != publisher}
                if not connection["mid_owner"]:
                    self.connections.pop(old_id)
                    await connection["pc"].close()

    async def _resubscribe(self, instruction: dict) -> None:
        if self.per_node:
            return await self._resubscribe_per_node(instruction)
        old_id = instruction["transportId"]
        data = await self.subscribe(instruction["publisherParticipantId"])
        new = self.subscriptions.get(data["transportId"])
        if new is not None and instruction["reason"] != "node_lost":
            try:
                await asyncio.wait_for(new["first_frame"].wait(), 10)
            except asyncio.TimeoutError:
                self.errors.append(f"no media on the new subscription {data['transportId']} within 10 s")
        old = self.subscriptions.pop(old_id, None)
        try:
            await self.signal.request("unsubscribe", {"transportId": old_id})
        except SignalError as error:
            if error.code != "not_found":
                self.errors.append(f"unsubscribe {old_id}: {error}")
        if old is not None:
            await old["pc"].close()

    async def _follow(self, instruction: dict) -> None:
        try:
            if instruction.get("publisherParticipantId"):
                await self._resubscribe(instruction)
            else:
                await self._republish(instruction)
        except Exception as error:
            self.errors.append(f"migrate {instruction}: {error!r}")

    # -- measuring ----------------------------------------------------------------------

    def frame_count(self, publisher_id: str) -> int:
        return len(self.frames.get(publisher_id.lower(), []))

    def largest_gap(self, publisher_id: str, since: float) -> float:
        """The longest time without a video frame from `publisher_id` from the
        last frame before `since` to the latest frame, in seconds."""
        times = self.frames.get(publisher_id.lower(), [])
        before = [t for t in times if t < since]
        window = ([before[-1]] if before else [since]) + [t for t in times if t >= since]
        return max((b - a for a, b in zip(window, window[1:])), default=float("inf"))

    def received(self, type_: str) -> list[dict]:
        return [m.get("data", {}) for _, m in self.events if m["type"] == type_]

    # -- teardown ----------------------------------------------------------------------------

    def _spawn(self, coroutine) -> None:
        self._tasks.append(asyncio.ensure_future(coroutine))

    async def close(self) -> None:
        self._closing = True
        if self._pump is not None:
            self._pump.cancel()
        for task in self._tasks:
            task.cancel()
        for entry in self.subscriptions.values():
            await entry["pc"].close()
        for connection in self.connections.values():
            await connection["pc"].close()
        if self.publisher is not None:
            await self.publisher.close()
        await self.signal.close()

