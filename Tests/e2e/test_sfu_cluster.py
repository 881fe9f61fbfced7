"""Two nodes, two replicas, three aiortc participants, the documented protocol.

The stack runs as processes (meet-api, two meet-ws, two meet-sfu) against the
test PostgreSQL and Redis. C owns the meeting (a host); A and B are guests.
A publishes on node 1 through replica 1, B on node 2 through replica 2 (the
placement hint, enabled only in tests). C, on replica 1, subscribes to both:
its two subscriber connections go to the two nodes' addresses (the
redirect), and it decodes video from both. Then, in order:

1. C (host) mutes B's mic: C stops receiving B's audio packets while B's
   sender keeps sending; B unmutes itself and C's audio from B resumes.
2. A unpublishes: C's subscription to A is closed (`subscription-closed`,
   `tracks` with no tracks) and node 1 holds nothing of A any more.
3. A publishes again, then C kicks A: A's transports on node 1 are closed.
"""
from __future__ import annotations

import asyncio
import json
import re

import pytest
import redis
from meet_e2e.env import redis_url_from_env
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.media import HEIGHT, WIDTH
from meet_e2e.participant import Participant
from meet_e2e.signaling import SignalError
from meet_e2e.stack import Stack
from meet_e2e.waiting import wait_until

FRAMES = 20


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request)


def node_load(node) -> dict:
    client = redis.Redis.from_url(redis_url_from_env())
    try:
        raw = client.get(node.record_key)
        return json.loads(raw)["load"] if raw else {}
    finally:
        client.close()


def candidate_port(sdp: str) -> int:
    """The port of the first ICE candidate in an SDP (the node's UDP port)."""
    match = re.search(r"a=candidate:\S+ \d+ udp \d+ (\S+) (\d+) typ host", sdp, re.IGNORECASE)
    assert match, f"no host candidate in:\n{sdp}"
    return int(match.group(2))


async def scenario(stack: Stack) -> None:
    node1, node2 = stack.nodes
    owner_token = stack.rest.register("Carol")
    code = stack.rest.create_meeting(owner_token)
    a, b, c = Participant("A"), Participant("B"), Participant("C")
    try:
        await c.join(stack, code, replica=0, token=owner_token)
        await a.join(stack, code, replica=0)
        await b.join(stack, code, replica=1)

        # Placement: A on node 1, B on node 2, each answered with its node's address.
        pub_a = await a.publish(node1.node_id)
        pub_b = await b.publish(node2.node_id)
        assert pub_a["nodeId"] == node1.node_id and pub_a["address"]["port"] == node1.udp_port, pub_a
        assert pub_b["nodeId"] == node2.node_id and pub_b["address"]["port"] == node2.udp_port, pub_b
        assert {t["kind"] for t in pub_a["tracks"]} == {"mic", "camera"}, pub_a["tracks"]

        # C learns of both publications from `tracks` events.
        seen_tracks = {}
        while len(seen_tracks) < 2:
            event = await c.signal.next_event("tracks", lambda d: len(d.get("tracks", [])) > 0)
            seen_tracks[event["participantId"].lower()] = event
        assert seen_tracks[a.id.lower()]["nodeId"] == node1.node_id
        assert seen_tracks[b.id.lower()]["nodeId"] == node2.node_id

        # The redirect: C's two subscriber connections go straight to the two nodes.
        sub_a = await c.subscribe(a.id)
        sub_b = await c.subscribe(b.id)
        assert sub_a["nodeId"] == node1.node_id and sub_b["nodeId"] == node2.node_id
        assert candidate_port(sub_a["offer"]) == node1.udp_port == sub_a["address"]["port"]
        assert candidate_port(sub_b["offer"]) == node2.udp_port == sub_b["address"]["port"]

        # C decodes video (our frame size) and audio from both nodes.
        from_a, from_b = c.subscriptions[a.id]["counts"], c.subscriptions[b.id]["counts"]
        await wait_until(lambda: from_a["video"] > FRAMES and from_b["video"] > FRAMES
                         and from_a["audio"] > 0 and from_b["audio"] > 0, 40,
                         f"video from both nodes (A {from_a}, B {from_b})")
        assert from_a["sizes"] == {(WIDTH, HEIGHT)} and from_b["sizes"] == {(WIDTH, HEIGHT)}
        await wait_until(lambda: node_load(node1).get("subscribers") == 1 and node_load(node2).get("subscribers") == 1,
                         10, "each node reports C's subscriber transport")

        # 1. Hard mute: a host mutes B's mic; C's audio from B stops while B keeps sending.
        await c.signal.request("mute", {"participantId": b.id, "kind": "mic"})
        await b.signal.next_event("mute-requested")
        await asyncio.sleep(1.0)  # packets already in flight drain
        received_before, sent_before = await c.audio_packets_from(b.id), await b.audio_packets_sent()
        await asyncio.sleep(2.0)
        received_after, sent_after = await c.audio_packets_from(b.id), await b.audio_packets_sent()
        assert sent_after - sent_before > 50, f"B stopped sending audio ({sent_before} → {sent_after})"
        assert received_after == received_before, f"C still got B's audio while muted ({received_before} → {received_after})"
        video_before = from_b["video"]
        await wait_until(lambda: from_b["video"] > video_before + 10, 10, "B's video keeps flowing while its mic is muted")
        # B unmutes itself: audio reaches C again.
        await b.signal.request("media", {"mic": True})
        async def audio_again() -> bool:
            return await c.audio_packets_from(b.id) > received_after

        await wait_until(audio_again, 10, "C getting B's audio again after B unmuted")

        # 2. A unpublishes: C's subscription to A closes, node 1 holds nothing of A.
        transport_to_a = sub_a["transportId"]
        await a.signal.request("unpublish", {})
        closed = await c.signal.next_event("subscription-closed", lambda d: d.get("transportId") == transport_to_a)
        assert closed["publisherParticipantId"].lower() == a.id.lower()
        await c.signal.next_event("tracks", lambda d: d["participantId"].lower() == a.id.lower() and d["tracks"] == [])
        await wait_until(lambda: node_load(node1).get("transports") == 0, 10, f"node 1 empty ({node_load(node1)})")
        with pytest.raises(SignalError) as gone:
            await c.signal.request("subscribe", {"participantId": a.id})
        assert gone.value.code in ("not_found", "not_publishing"), gone.value.code
        await c.subscriptions.pop(a.id)["pc"].close()

        # 3. A publishes again and is kicked: its transports on node 1 close.
        await a.publish(node1.node_id)
        await wait_until(lambda: node_load(node1).get("publishers") == 1, 10, "A's new publisher on node 1")
        await c.signal.request("kick", {"participantId": a.id})
        await a.signal.next_event("kicked")
        await wait_until(lambda: node_load(node1).get("transports") == 0, 10, f"A's transports closed ({node_load(node1)})")
        # B is untouched: still on node 2 with C watching.
        assert node_load(node2).get("publishers") == 1
    finally:
        for participant in (a, b, c):
            await participant.close()


def test_two_nodes_two_replicas_redirect_mute_unpublish_kick(stack):
    asyncio.run(scenario(stack))
