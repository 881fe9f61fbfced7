"""One subscriber connection per node, against aiortc (an independent WebRTC
implementation): the node's re-offers add publishers to, and take them off,
one existing RTCPeerConnection.

A, B and D publish on node 1 (placement hints); C subscribes with
`perNode`: A makes C's connection to node 1, B and D are added to it by
re-offers (`subscription` with the same `transportId`), and C decodes video
from all three on that one connection. Then B and D are taken off
(`unsubscribe {transportId, participantId}`: re-offers whose sections go
`a=inactive`), and A's video keeps coming. Node 1 holds four transports
throughout (three publishers, one subscriber connection).

Not covered here: reusing an idle m-line (aiortc 1.16 registers a
receiver's SSRCs once, so the fresh SSRC of a reused m-line is not routed
to it); the MeetRTC loopback tests cover reuse.
"""
from __future__ import annotations

import asyncio

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.node_connection import NodeConnection
from meet_e2e.participant import Participant
from meet_e2e.sfu import read_record
from meet_e2e.stack import Stack
from meet_e2e.waiting import wait_until

FRAMES = 15


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request)


def node_load(node) -> dict:
    return (read_record(node) or {}).get("load", {})


async def scenario(stack: Stack) -> None:
    node1 = stack.nodes[0]
    owner_token = stack.rest.register("Carol")
    code = stack.rest.create_meeting(owner_token)
    a, b, d, c = Participant("A"), Participant("B"), Participant("D"), Participant("C")
    connection = NodeConnection(c)
    try:
        await c.join(stack, code, replica=0, token=owner_token)
        for index, publisher in enumerate((a, b, d)):
            await publisher.join(stack, code, replica=index % 2)
            published = await publisher.publish(node1.node_id)
            assert published["nodeId"] == node1.node_id, published

        # One publisher, then three, on one connection.
        first = await connection.add(a.id)
        assert [t["participantId"].lower() for t in first["tracks"]] == [a.id, a.id]
        await wait_until(lambda: connection.video_from(a.id) > FRAMES, 40, f"A's video ({connection.counts})")
        for publisher in (b, d):
            added = await connection.add(publisher.id)
            assert added["transportId"] == connection.transport_id
        assert sorted(connection.owner_of_mid) == ["0", "1", "2", "3", "4", "5"], connection.owner_of_mid
        await wait_until(lambda: all(connection.video_from(p.id) > FRAMES for p in (a, b, d)), 40,
                         f"video from A, B and D on one connection ({connection.counts})")
        await wait_until(lambda: node_load(node1).get("transports") == 4, 10,
                         f"node 1: three publishers and one subscriber connection ({node_load(node1)})")

        # And back to one: B and D go, their sections go inactive, A keeps flowing.
        for publisher in (b, d):
            removed = await connection.remove(publisher.id)
            assert "a=inactive" in removed["offer"], removed["offer"]
        assert set(connection.owner_of_mid.values()) == {a.id}, connection.owner_of_mid
        before = connection.video_from(a.id)
        await wait_until(lambda: connection.video_from(a.id) > before + FRAMES, 20, "A's video after B and D left")
        assert connection.pc.connectionState == "connected", connection.pc.connectionState
        assert node_load(node1).get("transports") == 4
    finally:
        await connection.close()
        for participant in (a, b, d, c):
            await participant.close()


def test_one_subscriber_connection_renegotiated_from_one_publisher_to_three_and_back(stack):
    asyncio.run(scenario(stack))
