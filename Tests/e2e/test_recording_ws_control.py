"""Recording control over WebSocket (issue #18, docs/signaling.md, Recording):
hosts send `record-start` / `record-stop` (an attendee is `forbidden`); the
one-active rule holds across WS and REST; a meet-recorder claims the job a
meet-ws replica published; a late joiner's `joined` carries the recording;
a host's `end-meeting` stops the recording (`meeting_ended`) before the room
hears the meeting ended.
"""
from __future__ import annotations

import asyncio

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.recorder import start_recorder
from meet_e2e.signaling import Signal, SignalError
from meet_e2e.waiting import wait_until


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request, sfu_nodes=1)


@pytest.fixture
def recorder(stack, tmp_path):
    yield start_recorder(stack, tmp_path, ws_replica=0)


def test_hosts_record_over_the_socket_and_the_end_of_the_meeting_stops_it(stack, recorder):
    asyncio.run(asyncio.wait_for(ws_control_scenario(stack), 120))


async def refused(signal: Signal, type_: str) -> str:
    try:
        await signal.request(type_)
    except SignalError as error:
        return error.code
    raise AssertionError(f"{signal.name}: {type_} was accepted")


async def ws_control_scenario(stack) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    host, attendee = Signal("host"), Signal("attendee")
    late = Signal("late")
    await host.connect(stack.ws_url(0), stack.rest.join(code, token=owner)["joinToken"])
    await attendee.connect(stack.ws_url(1), stack.rest.join(code, guest_name="Attendee")["joinToken"])
    listing = f"/v1/meetings/{code}/recordings"

    def newest() -> dict:
        return stack.rest.call("GET", listing, token=owner)["items"][0]

    try:
        joined = await host.request("join")
        assert "recording" not in joined["data"], joined
        await attendee.request("join")

        # Only hosts, checked when asked.
        assert await refused(attendee, "record-start") == "forbidden"
        assert await refused(attendee, "record-stop") == "forbidden"
        assert stack.rest.call("GET", listing, token=owner)["items"] == []

        assert (await host.request("record-start"))["type"] == "ack"
        for signal in (host, attendee):
            started = await signal.next_event("recording-started", timeout=10)
        recording_id = started["recordingId"].lower()
        # One active recording, whichever service is asked.
        assert await refused(host, "record-start") == "recording_active"
        stack.rest.call("POST", f"/v1/meetings/{code}/recording", token=owner, expect=409)
        # A recorder claims the job this replica published.
        await wait_until(lambda: newest()["status"] == "recording", 20, "the recorder claimed the WS-started job")

        # A late joiner sees the indicator from its `joined`.
        await late.connect(stack.ws_url(1), stack.rest.join(code, guest_name="Late")["joinToken"])
        snapshot = (await late.request("join"))["data"]
        assert snapshot["recording"]["recordingId"].lower() == recording_id, snapshot

        assert (await host.request("record-stop"))["type"] == "ack"
        for signal in (host, attendee, late):
            stopped = await signal.next_event("recording-stopped", timeout=10)
            assert (stopped["recordingId"].lower(), stopped["reason"]) == (recording_id, "stopped_by_host")
        await wait_until(lambda: newest()["status"] == "stopped", 20, "the recorder finished the recording")
        # (A second stop while `stopping` would finish it, as over REST: asked once it is over.)
        assert await refused(host, "record-stop") == "not_recording"

        # The end of the meeting, over the socket, stops the next recording first.
        assert (await host.request("record-start"))["type"] == "ack"
        second = (await attendee.next_event("recording-started", timeout=10))["recordingId"].lower()
        assert second != recording_id
        assert (await host.request("end-meeting"))["type"] == "ack"
        for signal in (attendee, late):
            stopped = await signal.next_event("recording-stopped", timeout=10)
            assert (stopped["recordingId"].lower(), stopped["reason"]) == (second, "meeting_ended")
            await signal.next_event("meeting-ended", timeout=10)
        final = await wait_until(lambda: (lambda r: r if r["status"] == "stopped" else None)(newest()), 20,
                                 "the second recording stopped")
        assert final["id"].lower() == second and final["stopReason"] == "meeting_ended", final
    finally:
        await asyncio.gather(host.close(), attendee.close(), late.close(), return_exceptions=True)
