"""Recording control end to end (issue #18, docs/dev/recording.md): a host
starts a recording over REST; everyone in the room, on both meet-ws
replicas, gets `recording-started`; a meet-recorder claims the job from
`recorder:jobs` in Redis and writes that it began (`recording`); the stop
reaches the room, the recorder finishes the recording (`stopped`) and frees
the claim. (The media the recorder writes: test_recording_media.py.)"""
from __future__ import annotations

import asyncio

import pytest
import redis
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.recorder import start_recorder
from meet_e2e.signaling import Signal
from meet_e2e.waiting import wait_until


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request, sfu_nodes=1)


@pytest.fixture
def recorder(stack, tmp_path):
    yield start_recorder(stack, tmp_path, ws_replica=0)


def test_a_host_starts_and_stops_a_recording_the_room_hears_it_and_a_recorder_claims_it(stack, recorder):
    asyncio.run(asyncio.wait_for(control_scenario(stack, recorder.recorder_id), 120))


async def control_scenario(stack, recorder_id: str) -> None:
    prefix = stack.common_env["MEET_WS_KEY_PREFIX"] + ":"
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    host_ticket = stack.rest.join(code, token=owner)
    guest_ticket = stack.rest.join(code, guest_name="Guest")
    host, guest = Signal("host"), Signal("guest")
    await host.connect(stack.ws_url(0), host_ticket["joinToken"])
    await guest.connect(stack.ws_url(1), guest_ticket["joinToken"])
    try:
        await host.request("join")
        await guest.request("join")

        started = stack.rest.call("POST", f"/v1/meetings/{code}/recording", token=owner, expect=201)
        assert started["status"] == "starting"
        stack.rest.call("POST", f"/v1/meetings/{code}/recording", token=owner, expect=409)
        for signal in (host, guest):
            event = await signal.next_event("recording-started", timeout=10)
            assert event["recordingId"].lower() == started["id"].lower()

        client = redis.Redis.from_url(stack.common_env["MEET_REDIS_URL"], decode_responses=True)
        key = f"{prefix}recorder:job:{started['id'].lower()}"
        assert await wait_until(lambda: client.get(key) == recorder_id, 10, f"{recorder_id} holding {key}")

        listing = f"/v1/meetings/{code}/recordings"

        def status() -> str:
            return stack.rest.call("GET", listing, token=owner)["items"][0]["status"]

        # The recorder writes that it began (schema v5 metadata).
        assert await wait_until(lambda: status() == "recording", 10, "the recording in status recording")

        stopped = stack.rest.call("DELETE", f"/v1/meetings/{code}/recording", token=owner)
        assert stopped["id"] == started["id"]
        assert stopped["status"] == "stopping"
        for signal in (host, guest):
            event = await signal.next_event("recording-stopped", timeout=10)
            assert event["recordingId"].lower() == started["id"].lower()
            assert event["reason"] == "stopped_by_host"
        assert await wait_until(lambda: client.get(key) is None, 10, f"{key} released")
        # The recorder finishes it.
        assert await wait_until(lambda: status() == "stopped", 10, "the recording in status stopped")
        listed = stack.rest.call("GET", listing, token=owner)
        assert [item["id"] for item in listed["items"]] == [started["id"]]
        assert listed["items"][0]["startedAt"] and listed["items"][0]["endedAt"]
    finally:
        await asyncio.gather(host.close(), guest.close())
