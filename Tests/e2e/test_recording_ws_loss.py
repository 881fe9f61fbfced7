"""The recorder's meet-ws replica dies mid-recording (issue #18,
docs/dev/recording.md): the recorder joins again on the next replica it is
given and resumes its hidden seat, so its node connections, and the files
they feed, go on uncut, and a publisher who starts after the loss is
recorded too. Nobody sees the recorder come or go.
"""
from __future__ import annotations

import asyncio

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.mover import Mover
from meet_e2e.recorder import metric, start_recorder
from meet_e2e.waiting import wait_until


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request, sfu_nodes=1)


@pytest.fixture
def recorder(stack, tmp_path):
    # Replica 2 first: it is the one that dies.
    yield start_recorder(stack, tmp_path, ws_replica=[1, 0])


def test_the_recorder_resumes_its_seat_when_its_replica_dies(stack, recorder):
    asyncio.run(asyncio.wait_for(ws_loss_scenario(stack, recorder), 150))


async def ws_loss_scenario(stack, recorder) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    host, late = Mover("host"), Mover("late")
    try:
        await host.join(stack, code, replica=0, token=owner)
        await host.publish()
        stack.rest.call("POST", f"/v1/meetings/{code}/recording", token=owner, expect=201)
        await wait_until(lambda: metric(recorder, "meet_recorder_active_tracks") == 2
                         and metric(recorder, "meet_recorder_frames_written_total") > 60, 30, "the host being recorded")

        stack.replicas[1].kill()
        # Someone publishes after the loss: only a recorder back in the room hears of it.
        await late.join(stack, code, replica=0)
        await late.publish()
        await wait_until(lambda: metric(recorder, "meet_recorder_active_tracks") == 4, 30,
                         "the recorder back in the room, recording the newcomer")
        written = metric(recorder, "meet_recorder_frames_written_total")
        await wait_until(lambda: metric(recorder, "meet_recorder_frames_written_total") > written + 60, 30, "media still written")

        stack.rest.call("DELETE", f"/v1/meetings/{code}/recording", token=owner)
        listing = f"/v1/meetings/{code}/recordings"
        finished = await wait_until(
            lambda: (lambda r: r if r["status"] == "stopped" and len(r["files"]) == 4 else None)(
                stack.rest.call("GET", listing, token=owner)["items"][0]), 30, "four files listed")
        # The host's files were never cut: one per track, from before the loss to the stop.
        host_files = [f for f in finished["files"] if f["participantId"].lower() == host.id.lower()]
        assert sorted(f["kind"] for f in host_files) == ["audio", "video"], finished["files"]
        late_files = [f for f in finished["files"] if f["participantId"].lower() == late.id.lower()]
        assert sorted(f["kind"] for f in late_files) == ["audio", "video"], finished["files"]
        for mover in (host, late):
            for event in ("participant-joined", "participant-left"):
                for message in mover.received(event):
                    who = ((message.get("participant") or {}).get("id") or message.get("participantId") or "").lower()
                    assert who != finished["id"].lower(), (mover.name, event, message)
    finally:
        await asyncio.gather(host.close(), late.close(), return_exceptions=True)
