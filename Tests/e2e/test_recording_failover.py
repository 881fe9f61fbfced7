"""A recorder SIGKILLed mid-recording (issue #18, docs/dev/recording.md,
"Failover"): two recorders share the recordings volume; the one that holds
the job is killed; its claim expires (a 3 s lease), the other finds the job
advertised without a holder, takes it over for segment 1 and goes on
recording. The killed recorder's files (left as `.part`, no trailer) are
repaired and listed under segment 0; after the stop the recording lists both
segments' files, ffprobe reads every one, and segment 1 reports its gap
(printed: what the takeover lost).

The same with S3 storage (moto, a real S3 API server on loopback) and the
composite on: after the stop every file of both segments, and one composite
spanning both and the gap, ends in S3 (the rows name the objects, the local
copies and `.part` files are gone), and ffprobe reads the objects as S3
holds them.
"""
from __future__ import annotations

import asyncio
import json
import subprocess

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.moto import Moto
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


@pytest.fixture
def s3_stack(tmp_path, request, moto):
    api_env = {**moto.env(), "MEET_RECORDING_DIR": str(tmp_path / "recordings")}
    yield from stack_with_logs(tmp_path, request, sfu_nodes=1, api_env=api_env)


@pytest.fixture
def s3_recorders(s3_stack, tmp_path, moto):
    env = {**moto.env(), "MEET_RECORDING_JOB_LEASE_MS": str(LEASE_MS), "MEET_RECORDING_COMPOSITE": "true"}
    yield [start_recorder(s3_stack, tmp_path, ws_replica=[0, 1], extra_env=env, name=f"meet-recorder-{n}")
           for n in range(2)]


def probe(path: str) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height:format=duration", "-of", "json", path],
        capture_output=True, text=True, timeout=30, check=True).stdout
    data = json.loads(out)
    assert len(data["streams"]) == 1, data
    return {**data["streams"][0], "duration": float(data["format"]["duration"])}


def test_a_killed_recorder_is_taken_over_in_a_new_segment(stack, recorders, tmp_path):
    asyncio.run(asyncio.wait_for(failover_scenario(stack, recorders, tmp_path), 180))


async def kill_the_active_recorder(stack, recorders, host: Mover, publisher: Mover, owner: str, code: str) -> None:
    """The publisher's media recorded, the recorder holding the job SIGKILLed, the other one
    recording in its place; then the stop."""
    frames = "meet_recorder_frames_written_total"
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


async def failover_scenario(stack, recorders, tmp_path) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    host, publisher = Mover("host"), Mover("A")
    try:
        await kill_the_active_recorder(stack, recorders, host, publisher, owner, code)
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
                assert abs(probed["duration"] * 1000 - (file["startMs"] + file["durationMs"])) < 500, (file, probed)
                print(f"segment {segment} {file['kind']}: {file['durationMs']} ms from {file['startMs']} ms")
        # Nothing is left half-written on the volume.
        assert not list(tmp_path.glob("recordings/**/*.part"))
    finally:
        await asyncio.gather(host.close(), publisher.close(), return_exceptions=True)


def probe_object(moto: Moto, key: str, tmp_path) -> tuple[list[dict], float]:
    """ffprobe of the object as S3 holds it: (streams, duration in s)."""
    path = tmp_path / ("probe-" + key.replace("/", "_"))
    path.write_bytes(moto.object(key))
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name:format=duration", "-of", "json",
         str(path)], capture_output=True, text=True, timeout=30, check=True).stdout
    data = json.loads(out)
    return data["streams"], float(data["format"]["duration"])


def finished_in_s3(stack, owner: str, code: str) -> dict | None:
    """The recording once stopped, with its composite, and every file in S3."""
    items = stack.rest.call("GET", f"/v1/meetings/{code}/recordings", token=owner)["items"]
    row = items[0] if items else None
    if not row or row["status"] != "stopped":
        return None
    files = row.get("files") or []
    if not any(f["kind"] == "composite" for f in files) or not all(f["storage"] == "s3" for f in files):
        return None
    return row


def test_a_killed_recorder_with_s3_storage_ends_with_both_segments_and_one_composite_in_s3(
        s3_stack, s3_recorders, moto, tmp_path):
    asyncio.run(asyncio.wait_for(s3_failover_scenario(s3_stack, s3_recorders, moto, tmp_path), 240))


async def s3_failover_scenario(stack, recorders, moto, tmp_path) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    host, publisher = Mover("host"), Mover("A")
    try:
        await kill_the_active_recorder(stack, recorders, host, publisher, owner, code)

        finished = await wait_until(lambda: finished_in_s3(stack, owner, code), 120,
                                    "the recording stopped, composed, every file in S3")
        segments = finished["segments"]
        assert [s["segment"] for s in segments] == [0, 1], segments
        gap = segments[1].get("gapMs")
        assert gap is not None and 0 <= gap <= MAX_GAP_MS, segments
        recording = finished["id"].lower()

        tracks = [f for f in finished["files"] if f["kind"] != "composite"]
        composites = [f for f in finished["files"] if f["kind"] == "composite"]
        assert len(composites) == 1, finished["files"]
        for segment in (0, 1):
            kinds = sorted(f["kind"] for f in tracks if f["segment"] == segment)
            assert kinds == ["audio", "video"], finished["files"]
        for file in finished["files"]:
            key = file["storageKey"]
            assert key.startswith(f"{code}/{recording}/"), key
            assert len(moto.object(key)) == file["bytes"] > 0, file
            assert not (tmp_path / "recordings" / key).exists(), f"{key}: the local copy stayed after the upload"
        for file in tracks:
            streams, duration = probe_object(moto, file["storageKey"], tmp_path)
            assert [s["codec_name"] for s in streams] == ["vp8" if file["kind"] == "video" else "opus"], (file, streams)
            print(f"segment {file['segment']} {file['kind']}: {file['durationMs']} ms from {file['startMs']} ms "
                  f"(ffprobe {duration:.2f} s)")

        # The composite covers both segments and the gap between them: each segment from its first
        # track's first frame to its last track's end (`startMs` counts from the segment's start).
        composite = composites[0]
        streams, duration = probe_object(moto, composite["storageKey"], tmp_path)
        assert {s["codec_type"]: s["codec_name"] for s in streams} == {"video": "h264", "audio": "aac"}, streams

        def span(segment: int) -> float:
            files = [f for f in tracks if f["segment"] == segment]
            return (max(f["startMs"] + f["durationMs"] for f in files) - min(f["startMs"] for f in files)) / 1000
        expected = span(0) + gap / 1000 + span(1)
        print(f"composite in S3: {duration:.2f} s for segments of {span(0):.2f} s and {span(1):.2f} s "
              f"with a gap of {gap} ms between ({expected:.2f} s), {composite['bytes']} bytes")
        assert abs(duration - expected) < 1.0, (duration, expected, segments, tracks)
        assert not list(tmp_path.glob("recordings/**/*.part"))
    finally:
        await asyncio.gather(host.close(), publisher.close(), return_exceptions=True)
