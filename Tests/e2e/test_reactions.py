"""Reactions (issue #21, item 1) through the real stack: an emoji sent on
one meet-ws replica reaches everyone in the room on both replicas, the
sender included, after its `ack`; it is not stored (a late joiner's
snapshot and replays have nothing of it); a bad emoji is `invalid_data`;
and past the reactions' own burst the sender gets `rate_limited` while
its other messages still go through."""
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


async def scenario(stack: Stack) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    a, b = Participant("A"), Participant("B")
    late = Participant("Late")
    try:
        await a.join(stack, code, replica=0)
        await b.join(stack, code, replica=1)
        reply = await a.signal.request("reaction", {"emoji": "👏🏽"})
        assert reply["type"] == "ack", reply
        for peer in (a, b):
            event = await peer.signal.next_event("reaction", timeout=10)
            assert event == {"participantId": event["participantId"], "emoji": "👏🏽"}, event
            assert event["participantId"].lower() == a.id

        with pytest.raises(SignalError) as bad:
            await a.signal.request("reaction", {"emoji": "hello"})
        assert bad.value.code == "invalid_data"

        # Four more fill the burst of five; the sixth is refused, a chat still goes.
        for _ in range(4):
            assert (await a.signal.request("reaction", {"emoji": "🎉"}))["type"] == "ack"
        with pytest.raises(SignalError) as limited:
            await a.signal.request("reaction", {"emoji": "🎉"})
        assert limited.value.code == "rate_limited"
        assert (await a.signal.request("chat", {"body": "after the applause"}))["type"] == "ack"

        snapshot = await late.join(stack, code, replica=1)
        assert "reaction" not in str(snapshot)
        await asyncio.sleep(0.5)
        assert not [m for m in late.signal.seen if m.get("type") == "reaction"], late.signal.seen
    finally:
        for peer in (a, b, late):
            await peer.close()


def test_reactions_reach_the_room_and_are_not_stored(stack):
    asyncio.run(asyncio.wait_for(scenario(stack), 60))
