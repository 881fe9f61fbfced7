"""A recorder SIGKILLed mid-recording (issue #18, docs/dev/recording.md,
"Failover"): two recorders share the recordings volume; the one that holds
the job is killed; its claim expires (a 3 s lease), the other finds the job
advertised without a holder, takes it over for segment 1 and goes on
recording. The killed recorder's files (left as `.part`, no trailer) are
repaired and listed under segment 0; after the stop the recording lists both
segments' files, ffprobe reads every one, and segment 1 reports its gap
(printed: what the takeover lost).
"""
from __future__ import annotations

import asyncio
import json
import subprocess

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.mover import Mover
from meet_e2e.recorder import metric, start_recorder
from meet_e2e.waiting import wait_until

LEASE_MS = 3000
# The lease, a look for orphans (a third of it), the join, the subscription
# and a keyframe, plus the up to ~1 s the killed recorder had not flushed, on a loaded machine.
MAX_GAP_MS = 15000


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request, sfu_nodes=1)


@pytest.fixture
def recorders(stack, tmp_path):
    env = {"MEET_RECORDING_JOB_LEASE_MS": str(LEASE_MS)}
    yield [start_recorder(stack, tmp_path, ws_replica=[0, 1], extra_env=env, name=f"meet-recorder-{n}") for n in range(2)]


def probe(path: str) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height:format=duration", "-of", "json", path],
        capture_output=True, text=True, timeout=30, check=True).stdout
    data = json.loads(out)
    assert len(data["streams"]) == 1, data
    return {**data["streams"][0], "duration": float(data["format"]["duration"])}


def test_a_killed_recorder_is_taken_over_in_a_new_segment(stack, recorders, tmp_path):
    asyncio.run(asyncio.wait_for(failover_scenario(stack, recorders, tmp_path), 180))


async def failover_scenario(stack, recorders, tmp_path) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    host, publisher = Mover("host"), Mover("A")
    frames = "meet_recorder_frames_written_total"
    try:
        await host.join(stack, code, replica=0, token=owner)
        await publisher.join(stack, code, replica=1)
        await publisher.publish()

        stack.rest.call("POST", f"/v1/meetings/{code}/recording", token=owner, expect=201)
        # About 5 s of the publisher's audio and video (80 frames a second) before the kill.
        active = await wait_until(lambda: next((r for r in recorders if metric(r, frames) > 400), None), 40,
                                  "one recorder writing the publisher's media")
        other = recorders[1 - recorders.index(active)]
        assert metric(other, frames) == 0

        active.kill()
        await wait_until(lambda: metric(other, frames) > 400, 60, "the other recorder took the job over and records")

        stack.rest.call("DELETE", f"/v1/meetings/{code}/recording", token=owner)
        listing = f"/v1/meetings/{code}/recordings"
        finished = await wait_until(
            lambda: (lambda r: r if r["status"] == "stopped" and len(r["files"]) == 4 else None)(
                stack.rest.call("GET", listing, token=owner)["items"][0]), 30,
            "the recording stopped with the files of both segments")

        segments = finished["segments"]
        assert [s["segment"] for s in segments] == [0, 1], segments
        assert all(s.get("endedAt") for s in segments), segments
        gap = segments[1].get("gapMs")
        assert gap is not None and 0 <= gap <= MAX_GAP_MS, segments
        print(f"failover gap: {gap} ms (lease {LEASE_MS} ms)")

        for segment in (0, 1):
            files = [f for f in finished["files"] if f["segment"] == segment]
            assert sorted(f["kind"] for f in files) == ["audio", "video"], finished["files"]
            for file in files:
                probed = probe(file["storageKey"])
                assert probed["codec_name"] == ("vp8" if file["kind"] == "video" else "opus"), (file, probed)
                assert probed["duration"] > 1.0, (file, probed)
                # The container's duration counts from the segment's start, where the file's `startMs` is.
                assert abs(probed["duration"] * 1000 - (file["startMs"] + file["durationMs"])) < 250, (file, probed)
                print(f"segment {segment} {file['kind']}: {file['durationMs']} ms from {file['startMs']} ms")
        # Nothing is left half-written on the volume.
        assert not list(tmp_path.glob("recordings/**/*.part"))
    finally:
        await asyncio.gather(host.close(), publisher.close(), return_exceptions=True)
