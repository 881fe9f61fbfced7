"""Redis outages that are not a clean restart (issue #23); PostgreSQL's are in
test_outages_postgres.py.

The stack (meet-api, two meet-ws, two meet-sfu; meet_e2e.stack.Stack) runs
against the Redis of scripts/test, and these tests freeze that very server
(SIGSTOP, meet_e2e.recovery.RedisControl.freeze): Redis keeps its data and
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

2. Requests during a freeze fail at once. Each request used to wait the
   full Redis request timeout (5 s) before `unavailable`. Now the replica's
   Redis circuit breaker opens (`meet_redis_breaker_open{role="command"} 1`
   in /metrics) once a command went unanswered for 500 ms, and from then on
   every request answers `error unavailable` at once: five hand raises in a
   row each get their `unavailable` within a client timeout shorter than the
   old 5 s wait, `/readyz` answers 503, and after the thaw the breaker
   closes and a hand raise succeeds on the same socket.

3. Chat while Redis is down (stopped, then started empty). A message used
   to be stored and acknowledged, then answered `error unavailable` for the
   same request, and delivered to nobody, ever. Now it gets one outcome: the
   `ack` and nothing else, it is in the history, and B receives it once
   Redis is back (the chat outbox in PostgreSQL, re-published by a replica).

4. The pub/sub connections lag the command connections (issue #23,
   finding 3). After a Redis restart every connection comes back on its own
   schedule; here every pub/sub connection is cut again and again
   (`CLIENT KILL TYPE pubsub`, meet_e2e.recovery.PubSubCutter) while the
   command connections stay up, which is that lag held open. A chat A sent
   meanwhile was acknowledged and PUBLISHed to nobody on B's replica, and
   B never saw it; a subscribe's request to the node was sent although
   its reply could not arrive, and waited out the 5 s SFU timeout before
   `sfu_unavailable`. Now a request fails at once with `unavailable` while
   its replica's subscriptions are cut off (or its node's inbox is), the
   replica replays the chat stored meanwhile once its subscriptions are
   confirmed again (each message once), and a subscribe succeeds.

5. Chat during a freeze (SIGSTOP, then SIGCONT). One message is stored and
   acknowledged as Redis freezes (its fan-out PUBLISH waits in the frozen
   Redis, which runs it on the thaw), one while the breaker refuses every
   PUBLISH (the outbox's); the pub/sub connections give up on the frozen
   Redis meanwhile. After the thaw B, on the other replica, has each once
   (published by the thawed Redis, the outbox, and the replay after the
   re-subscribe, deduplicated by id), and A got no error after its acks.
   Writing it found a join whose announcement (after the `joined` reply)
   failed on the freeze: the session answered `unavailable` too and left
   its room, so B heard nothing more; the announcement's failure is now
   only logged.

No assertion is about speed: waits poll with generous deadlines (the one
client timeout in 2 is shorter than the request timeout it replaces, so a
request that waited for it fails the test whatever the machine's speed).
"""
from __future__ import annotations

import asyncio

import pytest
from meet_e2e.participant import Participant
from meet_e2e.recovery import (FAST, PubSubCutter, RedisControl, ensure_redis_up, gauge_is_one, http_get, outage_stack,
                              poll, presence_ids, until_accepted)
from meet_e2e.signaling import SignalError
from meet_e2e.stack import Stack

PRESENCE_TTL = 3
FREEZE_SECONDS = 3 * PRESENCE_TTL + 1


@pytest.fixture
def stack(tmp_path, request):
    yield from outage_stack(tmp_path, request, {"MEET_WS_PRESENCE_TTL_SECONDS": str(PRESENCE_TTL)})


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


def breaker_open(stack: Stack, replica: int) -> bool:
    """meet-ws `replica`'s command-connection breaker, from its /metrics."""
    return gauge_is_one(stack.replicas[replica].base_url, r'meet_redis_breaker_open\{role="command"\}')


async def frozen_requests_scenario(stack: Stack, server: RedisControl) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    a = Participant("A")
    try:
        await a.join(stack, code, replica=0)
        # A request whose fan-out (PUBLISH, after the ack) is caught by the freeze:
        # the session handles requests in order, so the next ones wait behind it
        # unless the breaker fails what was already sent too.
        await a.signal.request("hand", {"raised": False}, timeout=10)
        server.freeze()
        try:
            # The replica's own presence heartbeat and sweep (every second) trip it.
            poll(lambda: breaker_open(stack, 0), 20, "meet-ws 0's Redis breaker opening")
            refused = 0
            for _ in range(5):
                try:
                    await a.signal.request("hand", {"raised": True}, timeout=FAST)
                except SignalError as error:
                    assert error.code == "unavailable", error
                    refused += 1
            assert refused == 5
            status, _ = http_get(stack.replicas[0].base_url + "/readyz", timeout=FAST)
            assert status == 503
            assert breaker_open(stack, 0)
        finally:
            server.thaw()
        poll(lambda: not breaker_open(stack, 0), 20, "the breaker closing after the thaw")
        reply = await a.signal.request("hand", {"raised": True}, timeout=10)
        assert reply["type"] == "ack", reply
        assert not a.signal.closed.is_set()
    finally:
        await a.close()


def test_frozen_redis_fails_requests_at_once(stack):
    server = RedisControl()
    try:
        asyncio.run(asyncio.wait_for(frozen_requests_scenario(stack, server), 120))
    finally:
        server.thaw()


async def chat_outage_scenario(stack: Stack, server: RedisControl) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    a, b = Participant("A"), Participant("B")
    try:
        await a.join(stack, code, replica=0)
        await b.join(stack, code, replica=1)
        server.stop()
        try:
            # A's replica knows Redis is gone (a reconnect attempt failed), so this is
            # an outage, not a blip the client waits out.
            poll(lambda: http_get(stack.replicas[0].base_url + "/readyz", timeout=5)[0] == 503, 20,
                 "meet-ws 0 not ready while Redis is down")
            reply = await a.signal.request("chat", {"body": "while Redis is down"}, timeout=20)
            assert reply["type"] == "ack", reply
            request_id = reply["id"]
            message_id = reply["data"]["messageId"]
        finally:
            server.start()
        received = await b.signal.next_event("chat", lambda d: d.get("body") == "while Redis is down", timeout=30)
        assert received["id"] == message_id, received
        # One outcome: no error ever followed the ack of that request.
        errors = [m for m in a.signal.seen if m["type"] == "error" and m.get("id") == request_id]
        assert not errors, errors
        page = stack.rest.call("GET", f"/v1/meetings/{code}/messages?limit=200", token=owner)
        assert [item["body"] for item in page["items"]].count("while Redis is down") == 1, page
        # Delivered once: no second copy arrives while the outbox keeps sweeping.
        await asyncio.sleep(3)
        copies = [m for m in b.signal.seen if m["type"] == "chat" and m["data"].get("id") == message_id]
        assert len(copies) == 1, copies
    finally:
        for peer in (a, b):
            await peer.close()


def test_chat_during_a_redis_outage_is_delivered_once_it_is_back(stack):
    server = RedisControl()
    try:
        asyncio.run(asyncio.wait_for(chat_outage_scenario(stack, server), 120))
    finally:
        ensure_redis_up(server)


async def chat_freeze_scenario(stack: Stack, server: RedisControl) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    a, b = Participant("A"), Participant("B")
    bodies = ["as Redis froze", "while Redis is frozen"]
    try:
        await a.join(stack, code, replica=0)
        await b.join(stack, code, replica=1)
        # B's join is done once the room was told (the announcement follows the reply).
        await a.signal.next_event("participant-joined", lambda d: d["participant"]["id"].lower() == b.id, timeout=20)
        acks = []
        server.freeze()
        try:
            # The first is acknowledged (stored) before the breaker opens: its
            # fan-out PUBLISH waits in the frozen Redis, which runs it on the thaw.
            acks.append(await a.signal.request("chat", {"body": bodies[0]}, timeout=20))
            poll(lambda: breaker_open(stack, 0), 20, "meet-ws 0's Redis breaker opening")
            # The second is stored while the breaker refuses every PUBLISH: the outbox's.
            acks.append(await a.signal.request("chat", {"body": bodies[1]}, timeout=20))
            # Long enough for the pub/sub health checks to give up on the frozen connection.
            await asyncio.sleep(FREEZE_SECONDS)
        finally:
            server.thaw()
        for ack in acks:
            assert ack["type"] == "ack", ack
        ids = [ack["data"]["messageId"] for ack in acks]

        def chat_ids() -> list:
            return [m["data"].get("id") for m in b.signal.seen if m["type"] == "chat"]

        for _ in range(300):  # 30 s, in whatever order they come
            if all(i in chat_ids() for i in ids):
                break
            await asyncio.sleep(0.1)
        assert all(i in chat_ids() for i in ids), (ids, chat_ids())
        # Published by the thawed Redis, by the outbox, and replayed after the
        # re-subscribe, maybe all three: still one copy each, and no error after an ack.
        await asyncio.sleep(3)
        assert all(chat_ids().count(i) == 1 for i in ids), (ids, chat_ids())
        errors = [m for m in a.signal.seen if m["type"] == "error" and m.get("id") in {ack["id"] for ack in acks}]
        assert not errors, errors
        page = stack.rest.call("GET", f"/v1/meetings/{code}/messages?limit=200", token=owner)
        stored = [item["body"] for item in page["items"]]
        assert all(stored.count(body) == 1 for body in bodies), page
    finally:
        for peer in (a, b):
            await peer.close()


def test_chat_during_a_redis_freeze_is_delivered_once_after_the_thaw(stack):
    """Issue #23: chat sent while Redis is frozen (SIGSTOP) reaches the other
    replica's participant exactly once after the thaw, nothing lost or doubled."""
    server = RedisControl()
    try:
        asyncio.run(asyncio.wait_for(chat_freeze_scenario(stack, server), 120))
    finally:
        server.thaw()


async def lagging_pubsub_scenario(stack: Stack) -> None:
    node1, _ = stack.nodes
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    a, b = Participant("A"), Participant("B")
    try:
        await a.join(stack, code, replica=0)
        await b.join(stack, code, replica=1)
        await a.publish(node1.node_id)
        with PubSubCutter(RedisControl()) as cutter:
            poll(lambda: cutter.kills >= 20, 20, "pub/sub connections being cut")
            reply = await a.signal.request("chat", {"body": "while pub/sub lags"}, timeout=10)
            assert reply["type"] == "ack", reply
            message_id = reply["data"]["messageId"]
            # Each answers within FAST (the old wait for a lost reply was the 5 s SFU
            # timeout): `unavailable` while B's replica or A's node cannot hear, or a
            # subscription when a reconnect happened to be up at that moment.
            for _ in range(3):
                try:
                    await b.signal.request("subscribe", {"participantId": a.id}, timeout=FAST)
                except SignalError as error:
                    assert error.code in ("unavailable", "sfu_unavailable"), error
        received = await b.signal.next_event("chat", lambda d: d.get("id") == message_id, timeout=20)
        assert received["body"] == "while pub/sub lags", received
        # Once the cuts stop, subscribing works again on the same sockets.
        reply = await until_accepted(b.signal, "subscribe", {"participantId": a.id}, 30, "subscribe after the cuts",
                                     refused=("unavailable", "sfu_unavailable"), timeout=FAST)
        assert reply["type"] == "subscription", reply
        # Delivered once, whatever came over the bus and what the replay added.
        await asyncio.sleep(2)
        for peer in (a, b):
            copies = [m for m in peer.signal.seen if m["type"] == "chat" and m["data"].get("id") == message_id]
            assert len(copies) == 1, (peer.name, copies)
            assert not peer.signal.closed.is_set(), f"{peer.name}'s socket closed"
    finally:
        for peer in (a, b):
            await peer.close()


def test_lagging_pubsub_loses_no_chat_and_fails_requests_at_once(stack):
    asyncio.run(asyncio.wait_for(lagging_pubsub_scenario(stack), 120))
