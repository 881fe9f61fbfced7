"""Notifications pushed live (issue #20, docs/signaling.md "Notifications"),
through the real stack with two meet-ws replicas: when meet-api stores a
notification (here an invitation), every socket of its user gets a
`notification` event, on whichever replica it is, carrying the stored
notification (the id the list shows); a socket of another user in the same
room gets nothing."""
from __future__ import annotations

import asyncio
import time

import pytest
import redis
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.participant import Participant
from meet_e2e.stack import Stack


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request, sfu_nodes=1)


async def enter(stack: Stack, code: str, name: str, replica: int, token: str) -> Participant:
    person = Participant(name)
    joined = stack.rest.join(code, token=token)
    await person.signal.connect(stack.ws_url(replica), joined["joinToken"])
    assert (await person.signal.request("join"))["type"] == "joined"
    return person


def notifications(person: Participant) -> list[dict]:
    return [m["data"] for m in person.signal.seen if m.get("type") == "notification"]


async def wait_for_subscribers(stack: Stack, user_id: str, count: int) -> None:
    """Until `count` replicas hold the user's channel (each subscribes while it holds one of the user's sockets)."""
    prefix = stack.common_env["MEET_WS_KEY_PREFIX"]
    channel = f"{prefix}:user:{user_id.lower()}"
    client = redis.Redis.from_url(stack.common_env["MEET_REDIS_URL"], decode_responses=True)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if dict(client.pubsub_numsub(channel)).get(channel, 0) >= count:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{channel} has not {count} subscribers")
    finally:
        client.close()


async def scenario(stack: Stack) -> None:
    ann = stack.rest.register("Ann")
    bob = stack.rest.register("Bob")
    carol = stack.rest.register("Carol")
    bob_id = stack.rest.call("GET", "/v1/users/me", token=bob)["id"]
    first = stack.rest.create_meeting(ann)
    second = stack.rest.create_meeting(carol)
    # Bob in two meetings on two replicas; Carol beside him in the first.
    bob_here = await enter(stack, first, "Bob", 0, bob)
    bob_there = await enter(stack, second, "Bob", 1, bob)
    carol_here = await enter(stack, first, "Carol", 0, carol)
    people = (bob_here, bob_there, carol_here)
    try:
        await wait_for_subscribers(stack, bob_id, 2)
        stack.rest.call("POST", f"/v1/meetings/{first}/invitations", {"userId": bob_id}, ann, expect=201)
        listed = stack.rest.call("GET", "/v1/notifications", token=bob)["items"]
        assert [n["kind"] for n in listed] == ["invitation"], listed
        for socket in (bob_here, bob_there):
            event = await socket.signal.next_event("notification", timeout=15)
            assert event["id"] == listed[0]["id"] and event["kind"] == "invitation", event
            assert event["meetingCode"] == first and event["title"] == listed[0]["title"], event
        # Let any stray delivery arrive before looking at Carol (same room, same replica as Bob).
        await asyncio.sleep(1)
        assert notifications(carol_here) == []
        assert len(notifications(bob_here)) == 1 and len(notifications(bob_there)) == 1
    finally:
        for person in people:
            await person.close()


def test_a_notification_reaches_every_socket_of_its_user_on_any_replica(stack):
    asyncio.run(asyncio.wait_for(scenario(stack), 90))
