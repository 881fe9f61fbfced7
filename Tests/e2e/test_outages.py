"""Redis outages that are not a clean restart (issue #23).

The stack (meet-api, two meet-ws, two meet-sfu; stack_support.Stack) runs
against the Redis of scripts/test, and these tests freeze that very server
(SIGSTOP, recovery_support.RedisControl.freeze): Redis keeps its data and
its sockets, answers nothing, and its clock keeps running, which is what a
stuck or partitioned Redis looks like to meet-ws. Each test thaws it in a
`finally`, so the tests after them find it up.

1. Frozen for longer than the presence TTL. A (replica 0) and B (replica 1)
   publish. Their presence entries pass their expiry during the freeze, and
   each replica's sweep was queued meanwhile: on the thaw Redis runs them,
   and whichever runs before the other replica's queued heartbeat used to
   remove a live participant, silently (the sweep's reply had timed out),
   for good (Redis kept its epoch, so the write-back after an empty restart
   never ran). Now a late joiner's snapshot lists A and B and both their
   tracks, and nobody was told anyone left.

No assertion is about speed: waits poll with generous deadlines.
"""
from __future__ import annotations

import asyncio

import pytest
import redis
from participant_support import Participant
from recovery_support import RedisControl, poll
from stack_support import Stack

PRESENCE_TTL = 3
FREEZE_SECONDS = 3 * PRESENCE_TTL + 1


@pytest.fixture
def stack(tmp_path, request):
    running = Stack(tmp_path, ws_env={"MEET_WS_PRESENCE_TTL_SECONDS": str(PRESENCE_TTL)})
    yield running
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        print(running.logs())
    running.stop()


def presence_ids(meeting_id: str) -> set[str]:
    client = redis.Redis.from_url(RedisControl().url, socket_timeout=5)
    try:
        ids: set[str] = set()
        for key in client.scan_iter(match=f"*presence:{meeting_id.lower()}"):
            ids |= {field.decode() for field in client.hkeys(key)}
        return ids
    finally:
        client.close()


async def frozen_redis_scenario(stack: Stack, server: RedisControl) -> None:
    node1, node2 = stack.nodes
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    a, b, c = Participant("A"), Participant("B"), Participant("C")
    try:
        snapshot = await a.join(stack, code, replica=0)
        meeting_id = snapshot["meetingId"]
        await b.join(stack, code, replica=1)
        await a.publish(node1.node_id)
        await b.publish(node2.node_id)

        server.freeze()
        try:
            await asyncio.sleep(FREEZE_SECONDS)
        finally:
            server.thaw()

        # Both are still connected, and their presence is in Redis again (or never left it).
        poll(lambda: {a.id, b.id} <= presence_ids(meeting_id), 6 * PRESENCE_TTL, "A and B in presence after the thaw")
        snapshot = await c.join(stack, code, replica=0)
        listed = {p["id"].lower() for p in snapshot["participants"]}
        assert {a.id, b.id, c.id} <= listed, snapshot["participants"]
        publishers = {t["participantId"].lower() for t in snapshot["tracks"]}
        assert {a.id, b.id} <= publishers, snapshot["tracks"]
        for peer in (a, b):
            assert not peer.signal.closed.is_set(), f"{peer.name}'s socket closed"
        # Two TTLs later they are still there: kept alive by the heartbeat, not swept again.
        await asyncio.sleep(2 * PRESENCE_TTL)
        assert {a.id, b.id, c.id} <= presence_ids(meeting_id)
    finally:
        for peer in (a, b, c):
            await peer.close()


def test_frozen_redis_loses_nobody(stack):
    server = RedisControl()
    try:
        asyncio.run(asyncio.wait_for(frozen_redis_scenario(stack, server), 240))
    finally:
        server.thaw()
