"""meet-sfu's drain on its own (issue #6), one node process and the bus:

- SIGTERM with a publisher still connected: at once the registry says
  `draining`, `/readyz` answers 503, `sfu.node-draining` is published on
  `sfu:events` with the deadline, new publishers are refused `draining`; the
  node keeps its transport and stays up while nobody moves it, then leaves by
  itself at `MEET_SFU_DRAIN_TIMEOUT`, status 0, announcing the transport's
  close and removing its record;
- a second SIGTERM during a long drain ends it at once, status 0.
"""
from __future__ import annotations

import asyncio
import json
import signal
import time

import pytest
import redis.asyncio as aioredis
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack
from meet_e2e.env import redis_url_from_env
from meet_e2e.fixtures import failed
from meet_e2e.media import SizedVideoTrack, force_codecs
from meet_e2e.sfu import BusClient, BusError, SFUNode
from meet_e2e.waiting import wait_until


@pytest.fixture
def nodes(tmp_path, request):
    started: list[SFUNode] = []

    def start(drain_timeout: int) -> SFUNode:
        node = SFUNode(tmp_path, redis_url_from_env(), name=f"meet-sfu-{len(started) + 1}",
                       extra_env={"MEET_SFU_DRAIN_TIMEOUT": str(drain_timeout)})
        started.append(node)
        return node

    yield start
    for node in started:
        if failed(request):
            print(f"---- {node.name} log (tail) ----\n{node.log()}")
        node.stop()


async def connected_publisher(node: SFUNode, bus: BusClient) -> tuple[RTCPeerConnection, str]:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTrack(AudioStreamTrack())
    pc.addTrack(SizedVideoTrack())
    force_codecs(pc)
    await pc.setLocalDescription(await pc.createOffer())
    reply = await bus.request(node.inbox, "sfu.create-publisher",
                              {"participantId": "alice", "roomId": "room-1", "offer": pc.localDescription.sdp})
    await pc.setRemoteDescription(RTCSessionDescription(sdp=reply["answer"], type="answer"))
    await wait_until(lambda: pc.connectionState == "connected", 20, "the publisher connected",
                     details=lambda: pc.connectionState)
    return pc, reply["transportId"]


async def record_of(client, node: SFUNode) -> dict | None:
    raw = await client.get(node.record_key)
    return json.loads(raw) if raw else None


async def drain_until_timeout(node: SFUNode) -> dict:
    client = aioredis.from_url(redis_url_from_env())
    events = client.pubsub()
    await events.subscribe("sfu:events")
    bus = BusClient(redis_url_from_env())
    await bus.start()
    pc = None
    try:
        pc, transport = await connected_publisher(node, bus)
        signalled = time.time()
        node.process.send_signal(signal.SIGTERM)

        # At once: draining everywhere, and the event with its deadline.
        async def draining_event() -> dict | None:
            message = await events.get_message(ignore_subscribe_messages=True, timeout=0.5)
            if message and json.loads(message["data"]).get("type") == "sfu.node-draining":
                return json.loads(message["data"])["body"]
            return None

        draining = await wait_until(draining_event, 5, "an sfu.node-draining event", interval=0)
        assert draining["nodeId"] == node.node_id
        assert abs(draining["deadlineMs"] / 1000 - (signalled + 3)) < 2, draining
        assert (await record_of(client, node))["state"] == "draining"
        assert node.http_status("/readyz") == 503
        with pytest.raises(BusError) as refused:
            await bus.request(node.inbox, "sfu.create-publisher",
                              {"participantId": "bob", "roomId": "room-1", "offer": pc.localDescription.sdp})
        assert refused.value.code == "draining"

        # Nobody moves the publisher: the node keeps it (and stays up) until its timeout.
        await asyncio.sleep(1.0)
        assert node.process.poll() is None, "the node left before its drain timeout"
        assert (await record_of(client, node))["load"]["transports"] == 1
        assert pc.connectionState == "connected"

        await wait_until(lambda: node.process.poll() is not None, 15, "the node to exit at its drain timeout")
        exited_after = time.time() - signalled
        closed = []
        while (message := await events.get_message(ignore_subscribe_messages=True, timeout=0.5)) is not None:
            envelope = json.loads(message["data"])
            if envelope.get("type") == "sfu.transport-closed":
                closed.append(envelope["body"])
        return {"status": node.process.returncode, "exited_after": exited_after, "transport": transport,
                "closed": closed, "record": await record_of(client, node),
                "member": await client.sismember("sfu:nodes", node.node_id)}
    finally:
        if pc is not None:
            await pc.close()
        await bus.close()
        await events.aclose()
        await client.aclose()


def test_drain_holds_transports_until_the_timeout_then_exits_cleanly(nodes):
    node = nodes(drain_timeout=3)
    result = asyncio.run(drain_until_timeout(node))
    assert result["status"] == 0, node.log()
    assert result["exited_after"] >= 2.5, result
    assert any(c["transportId"] == result["transport"] for c in result["closed"]), result["closed"]
    assert result["record"] is None and not result["member"], result


def test_second_sigterm_ends_the_drain_at_once(nodes):
    node = nodes(drain_timeout=120)

    async def scenario() -> None:
        bus = BusClient(redis_url_from_env())
        await bus.start()
        pc, _ = await connected_publisher(node, bus)
        try:
            node.process.send_signal(signal.SIGTERM)
            await wait_until(lambda: node.http_status("/readyz") == 503, 5, "/readyz 503 while draining")
            await asyncio.sleep(0.5)
            assert node.process.poll() is None, "the node left although it still holds a transport"
            node.process.send_signal(signal.SIGTERM)
            # Far below the 120 s drain timeout: the second signal ends it.
            await wait_until(lambda: node.process.poll() is not None, 20, "the node to exit on the second SIGTERM")
        finally:
            await pc.close()
            await bus.close()

    asyncio.run(scenario())
    assert node.process.returncode == 0, node.log()
