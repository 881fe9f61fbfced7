"""End-to-end encrypted meetings (issue #24): the server side, through the
real stack.

A meeting created with `e2ee: true` says so in every REST view and in the
`joined` snapshot; the setting is fixed at creation (a PATCH naming it is
refused); the server refuses to record it (409 `e2ee_meeting`: it cannot
read the media); and meet-ws refuses `publish` and `subscribe` that do not
say `e2ee: true` (`e2ee_required`, a clear refusal rather than a black
tile), while an ordinary meeting takes them as before. The media itself
(encrypted in the browser, forwarded untouched by the node) is checked by
test_browser_e2ee.py.
"""
from __future__ import annotations

import asyncio

import pytest
from aiortc import RTCSessionDescription
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.participant import Participant, publisher_connection
from meet_e2e.signaling import SignalError
from meet_e2e.stack import Stack


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request)


async def scenario(stack: Stack) -> None:
    owner = stack.rest.register("Owner")
    created = stack.rest.call("POST", "/v1/meetings", {"title": "secret", "e2ee": True}, owner, expect=201)
    assert created["e2ee"] is True, created
    code = created["code"]
    assert stack.rest.call("GET", f"/v1/meetings/{code}", token=owner)["e2ee"] is True
    plain_code = stack.rest.create_meeting(owner)
    assert stack.rest.call("GET", f"/v1/meetings/{plain_code}", token=owner)["e2ee"] is False

    # Fixed at creation.
    refused = stack.rest.call("PATCH", f"/v1/meetings/{code}", {"e2ee": False}, owner, expect=422)
    assert "e2ee" in str(refused), refused
    assert stack.rest.call("PATCH", f"/v1/meetings/{code}", {"title": "still secret"}, owner)["e2ee"] is True
    # The server cannot record what it cannot read.
    refused = stack.rest.call("POST", f"/v1/meetings/{code}/recording", {}, owner, expect=409)
    assert refused["error"]["code"] == "e2ee_meeting", refused

    a, b = Participant("A"), Participant("B")
    try:
        snapshot = await a.join(stack, code, replica=0)
        assert snapshot.get("e2ee") is True, snapshot
        await b.join(stack, code, replica=1)

        pc = await publisher_connection()
        with pytest.raises(SignalError) as plain:
            await a.signal.request("publish", {"offer": pc.localDescription.sdp})
        assert plain.value.code == "e2ee_required", plain.value
        reply = await a.signal.request("publish", {"offer": pc.localDescription.sdp, "e2ee": True})
        assert reply["type"] == "published", reply
        await pc.setRemoteDescription(RTCSessionDescription(sdp=reply["data"]["answer"], type="answer"))
        a.publisher = pc

        with pytest.raises(SignalError) as plain:
            await b.signal.request("subscribe", {"participantId": a.id, "perNode": True})
        assert plain.value.code == "e2ee_required", plain.value
        reply = await b.signal.request("subscribe", {"participantId": a.id, "perNode": True, "e2ee": True})
        assert reply["type"] == "subscription", reply
    finally:
        for peer in (a, b):
            await peer.close()

    # An ordinary meeting: no e2ee in the snapshot, plain publish as before.
    c = Participant("C")
    try:
        snapshot = await c.join(stack, plain_code, replica=0)
        assert "e2ee" not in snapshot, snapshot
        await c.publish()
    finally:
        await c.close()


def test_e2ee_meetings_refuse_plain_media_and_recording(stack):
    asyncio.run(asyncio.wait_for(scenario(stack), 90))
