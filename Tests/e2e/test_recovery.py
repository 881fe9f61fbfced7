"""Redis and PostgreSQL restarts under a live meeting (issue #6).

The stack (meet-api, two meet-ws, two meet-sfu; meet_e2e.stack.Stack) runs
against the PostgreSQL and Redis of scripts/test, and these tests stop and
start those very servers (meet_e2e.recovery), always restarting them in a
`finally` so the tests after them find them up.

1. Redis restarted (empty: no persistence). A and B stay connected through
   it: media keeps flowing (it never goes through Redis), chat from A
   reaches B again, nobody is announced `participant-left`, a newcomer's
   `joined` snapshot lists A and B with A's tracks (each replica wrote its
   sockets' presence back), chat history is intact, and a new `publish` is
   placed on a node (the nodes re-registered).
2. PostgreSQL restarted. While it is down meet-api answers 503
   `database_unavailable` (a JSON body, within the request timeout) and
   both services' `/readyz` say 503; a signaling request that needs the
   database (chat, a `join`, on a socket open before or opened during the
   outage) gets a clear `unavailable` error and the socket stays. Once it is
   back, everything recovers without restarting a process: `/readyz` 200,
   the refused `join`s succeed when retried on the same sockets, a newcomer
   joins, chat flows and history is intact.

No assertion is about speed: waits poll with generous deadlines.
"""
from __future__ import annotations

import asyncio

import pytest
import redis
from meet_e2e.participant import Participant
from meet_e2e.signaling import SignalError
from meet_e2e.stack import Stack
from meet_e2e.waiting import wait_until
from meet_e2e.recovery import (PostgresControl, RedisControl, ensure_postgres_up, ensure_redis_up, http_call, http_get,
                              outage_stack, poll, presence_ids)

# A short presence TTL: Redis stays down for longer than it, which would
# get everyone swept as gone if presence were not written back.
PRESENCE_TTL = 3


@pytest.fixture
def stack(tmp_path, request):
    # The PostgreSQL scenario's B holds an upgraded socket through the outage's
    # first requests (each up to the 5 s database timeout) before its `join`:
    # give it more than the default 15 s join deadline.
    yield from outage_stack(tmp_path, request, {"MEET_WS_PRESENCE_TTL_SECONDS": str(PRESENCE_TTL),
                                                "MEET_WS_JOIN_TIMEOUT_SECONDS": "120"})


async def chat_until_delivered(sender: Participant, receiver: Participant, body: str, timeout: float) -> None:
    """Sends `body` (again while the request fails) until `receiver` gets it."""
    async def delivered() -> bool:
        await sender.signal.request("chat", {"body": body}, timeout=10)
        await receiver.signal.next_event("chat", lambda d: d.get("body") == body, timeout=3)
        return True

    await wait_until(delivered, timeout, f"chat {body!r} from {sender.name} to reach {receiver.name}", interval=0.3,
                     retry_on=(SignalError, TimeoutError))


def history(stack: Stack, code: str, token: str) -> list[str]:
    page = stack.rest.call("GET", f"/v1/meetings/{code}/messages?limit=200", token=token)
    return [item["body"] for item in page["items"]]


def nodes_registered(stack: Stack) -> bool:
    client = redis.Redis.from_url(RedisControl().url)
    try:
        return all(client.exists(node.record_key) for node in stack.nodes)
    finally:
        client.close()


async def redis_restart_scenario(stack: Stack, server: RedisControl) -> None:
    node1, _ = stack.nodes
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    a, b, c = Participant("A"), Participant("B"), Participant("C")
    try:
        snapshot = await a.join(stack, code, replica=0)
        meeting_id = snapshot["meetingId"]
        await b.join(stack, code, replica=1)
        await a.publish(node1.node_id)
        await b.subscribe(a.id)
        await wait_until(lambda: b.frames > 10, 40, f"B decoding A's video (frames: {b.frames})")
        await chat_until_delivered(a, b, "before the restart", timeout=20)

        server.stop()
        try:
            # Media goes straight to the node: it keeps flowing while Redis is down,
            # for longer than the presence TTL.
            frames = b.frames
            await wait_until(lambda: b.frames > frames + 20, 30, "video flowing while Redis is down")
            await asyncio.sleep(PRESENCE_TTL + 1)
        finally:
            server.start()

        # Sockets survive: chat (PostgreSQL, then the re-subscribed room channel) reaches B.
        await chat_until_delivered(a, b, "after the restart", timeout=30)
        # Each replica wrote its sockets' presence back into the empty Redis.
        poll(lambda: {a.id, b.id} <= presence_ids(meeting_id), 30, "A and B back in presence")

        snapshot = await c.join(stack, code, replica=1)
        listed = {p["id"].lower() for p in snapshot["participants"]}
        assert {a.id, b.id, c.id} <= listed, snapshot["participants"]
        assert any(t["participantId"].lower() == a.id for t in snapshot["tracks"]), snapshot["tracks"]

        # The nodes re-registered: a new publisher is placed (no hint).
        poll(lambda: nodes_registered(stack), 30, "both SFU nodes re-registered")
        published = await c.publish()
        assert published["nodeId"] in {node.node_id for node in stack.nodes}, published
        frames = b.frames
        await wait_until(lambda: b.frames > frames + 20, 30, "A's video still reaching B")

        # Restored entries are kept alive by the heartbeat, not swept: nobody was ever
        # announced gone (two TTLs is when a stale entry would have been swept).
        await asyncio.sleep(2 * PRESENCE_TTL + 1)
        for peer in (a, b, c):
            assert not peer.lefts(), f"{peer.name} was told {peer.lefts()} left"
            assert not peer.signal.closed.is_set(), f"{peer.name}'s socket closed"
        assert {a.id, b.id, c.id} <= presence_ids(meeting_id)

        bodies = history(stack, code, owner)
        assert "before the restart" in bodies and "after the restart" in bodies, bodies
    finally:
        for peer in (a, b, c):
            await peer.close()


def test_redis_restart_keeps_the_meeting_going(stack):
    server = RedisControl()
    try:
        asyncio.run(asyncio.wait_for(redis_restart_scenario(stack, server), 300))
    finally:
        ensure_redis_up(server)


async def postgres_restart_scenario(stack: Stack, server: PostgresControl) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    api = stack.api.base_url
    a, b, c, d = Participant("A"), Participant("B"), Participant("C"), Participant("D")
    try:
        await a.join(stack, code, replica=0)
        await a.signal.request("chat", {"body": "before the outage"})
        # B opened its socket in time but sends `join` only during the outage;
        # C got a join token in time but opens its socket only during it.
        b_ticket = stack.rest.join(code, guest_name="B")
        b.id = b_ticket["participant"]["id"].lower()
        await b.signal.connect(stack.ws_url(1), b_ticket["joinToken"])
        c_ticket = stack.rest.join(code, guest_name="C")
        c.id = c_ticket["participant"]["id"].lower()

        server.stop()
        try:
            # meet-api: a clear 503 with a JSON error, not a 500 and not a hang.
            status, body = http_call("GET", f"{api}/v1/meetings/{code}", token=owner, timeout=30)
            assert status == 503 and body["error"]["code"] == "database_unavailable", (status, body)
            status, body = http_call("POST", f"{api}/v1/meetings/{code}/join", {"displayName": "Late"}, timeout=30)
            assert status == 503 and body["error"]["code"] == "database_unavailable", (status, body)
            poll(lambda: http_get(f"{api}/readyz", timeout=30)[0] == 503, 30, "meet-api /readyz 503")
            ws_ready = f"{stack.replicas[0].base_url}/readyz"
            poll(lambda: http_get(ws_ready, timeout=30)[0] == 503, 30, "meet-ws /readyz 503")
            assert http_get(f"{api}/healthz", timeout=30)[0] == 200  # alive, just not ready
            # A signaling request that needs the database fails clearly; the socket stays.
            with pytest.raises(SignalError) as failure:
                await a.signal.request("chat", {"body": "during the outage"}, timeout=30)
            assert failure.value.code == "unavailable"
            assert not a.signal.closed.is_set()
            # So does a join: a clear error, and the socket may try again later.
            with pytest.raises(SignalError) as failure:
                await b.signal.request("join", timeout=30)
            assert failure.value.code == "unavailable"
            # A socket opened now is let in (its token is validly signed) and
            # its `join` gets the same clear error.
            await c.signal.connect(stack.ws_url(0), c_ticket["joinToken"])
            with pytest.raises(SignalError) as failure:
                await c.signal.request("join", timeout=30)
            assert failure.value.code == "unavailable"
        finally:
            server.start()

        # Recovery without restarting anything.
        poll(lambda: http_get(f"{api}/readyz", timeout=30)[0] == 200, 120, "meet-api /readyz 200 again")
        for replica in stack.replicas:
            poll(lambda: http_get(f"{replica.base_url}/readyz", timeout=30)[0] == 200, 120,
                 f"{replica.name} /readyz 200 again")
        # B's join, retried on the same socket, now succeeds.
        reply = await b.signal.request("join")
        assert reply["type"] == "joined", reply
        # C's retry works too, and a newcomer D joins over REST and signaling.
        assert (await c.signal.request("join"))["type"] == "joined"
        snapshot = await d.join(stack, code, replica=0)
        assert {a.id, b.id, c.id, d.id} <= {p["id"].lower() for p in snapshot["participants"]}, snapshot
        await chat_until_delivered(a, b, "after the outage", timeout=30)
        await d.signal.next_event("chat", lambda data: data.get("body") == "after the outage")
        bodies = history(stack, code, owner)
        assert "before the outage" in bodies and "after the outage" in bodies, bodies
        assert "during the outage" not in bodies
        for peer in (a, b, c, d):
            assert not peer.lefts(), f"{peer.name} was told {peer.lefts()} left"
    finally:
        for peer in (a, b, c, d):
            await peer.close()


def test_postgres_restart_answers_503_then_recovers(stack):
    server = PostgresControl()
    try:
        asyncio.run(asyncio.wait_for(postgres_restart_scenario(stack, server), 300))
    finally:
        ensure_postgres_up(server)

