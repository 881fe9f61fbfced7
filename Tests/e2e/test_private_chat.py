"""Private messages (issue #21, item 2) through the real stack, across two
meet-ws replicas: a message to one participant reaches only its sender and
recipient, one to the hosts only its sender and the hosts, whatever replica
each is on; both are stored with their visibility, so the REST history
shows each reader only what it may see; a recipient who is not in the room
is `not_found`, and naming two recipients is `invalid_data`."""
from __future__ import annotations

import asyncio

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.participant import Participant
from meet_e2e.signaling import SignalError
from meet_e2e.stack import Stack


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request, sfu_nodes=1)


async def enter(stack: Stack, code: str, name: str, replica: int, token: str | None = None) -> tuple[Participant, str]:
    """Joins over REST and WS; returns the participant and its join token (a REST bearer too)."""
    person = Participant(name)
    joined = stack.rest.join(code, token=token, guest_name=None if token else name)
    person.id = joined["participant"]["id"].lower()
    await person.signal.connect(stack.ws_url(replica), joined["joinToken"])
    assert (await person.signal.request("join"))["type"] == "joined"
    return person, joined["joinToken"]


def chats(person: Participant) -> list[str]:
    return [m["data"]["body"] for m in person.signal.seen if m.get("type") == "chat"]


def history(stack: Stack, code: str, token: str) -> list[str]:
    return [m["body"] for m in stack.rest.call("GET", f"/v1/meetings/{code}/messages", token=token)["items"]]


async def scenario(stack: Stack) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    host, _ = await enter(stack, code, "Host", 1, token=owner)
    a, a_token = await enter(stack, code, "A", 0)
    b, b_token = await enter(stack, code, "B", 1)
    c, c_token = await enter(stack, code, "C", 0)
    people = (host, a, b, c)
    try:
        assert (await a.signal.request("chat", {"body": "hello room"}))["type"] == "ack"
        reply = await a.signal.request("chat", {"body": "just for B", "toParticipantId": b.id})
        assert reply["type"] == "ack", reply
        event = await b.signal.next_event("chat", lambda d: d["body"] == "just for B", timeout=10)
        assert event["toParticipantId"].lower() == b.id, event
        reply = await c.signal.request("chat", {"body": "to the hosts", "toHosts": True})
        assert reply["type"] == "ack", reply
        event = await host.signal.next_event("chat", lambda d: d["body"] == "to the hosts", timeout=10)
        assert event["toHosts"] is True, event
        # Everyone has the room message (already read or still coming); then let any stray
        # delivery arrive before looking.
        for _ in range(100):
            if all("hello room" in chats(person) for person in people):
                break
            await asyncio.sleep(0.1)
        assert all("hello room" in chats(person) for person in people)
        await asyncio.sleep(1)
        assert "just for B" in chats(a) and "just for B" in chats(b), (chats(a), chats(b))
        assert "just for B" not in chats(c) and "just for B" not in chats(host), (chats(c), chats(host))
        assert "to the hosts" in chats(c) and "to the hosts" in chats(host)
        assert "to the hosts" not in chats(a) and "to the hosts" not in chats(b), (chats(a), chats(b))

        with pytest.raises(SignalError) as gone:
            await a.signal.request("chat", {"body": "anyone?", "toParticipantId": "00000000-0000-4000-8000-000000000000"})
        assert gone.value.code == "not_found"
        with pytest.raises(SignalError) as both:
            await a.signal.request("chat", {"body": "both", "toParticipantId": b.id, "toHosts": True})
        assert both.value.code == "invalid_data"

        # Stored with its visibility: the history shows each reader what it may see.
        assert set(history(stack, code, b_token)) >= {"hello room", "just for B"}
        assert "to the hosts" not in history(stack, code, b_token)
        assert set(history(stack, code, a_token)) >= {"hello room", "just for B"}
        assert set(history(stack, code, c_token)) == {"hello room", "to the hosts"}
        owner_sees = set(history(stack, code, owner))
        assert {"hello room", "to the hosts"} <= owner_sees and "just for B" not in owner_sees, owner_sees
    finally:
        for person in people:
            await person.close()


def test_private_messages_reach_only_their_audience(stack):
    asyncio.run(asyncio.wait_for(scenario(stack), 60))
