"""Recording storage in S3 and playback (issue #18, docs/dev/recording.md,
"Storage" and "Playback"), against a real S3 API server: moto in server mode
(Tests/e2e/requirements.txt), started here on loopback so it can be stopped.

- meet-recorder records an aiortc publisher and moves each finished file to
  S3 (`MEET_RECORDING_STORAGE=s3`): the rows then name the object, the local
  file is gone, and meet-api plays it back proxied from S3, whole and with
  `Range` requests, byte-exact against the object as S3 holds it; 416 past
  its end; the playback headers.
- The authorization matrix of `GET /v1/recordings/{id}` and its files
  against `recording_access`: owner and hosts always, members, participants
  (a seat, no membership) and strangers as the setting says, anonymous 401.
- Retention (`MEET_RECORDING_RETENTION_DAYS=1`): once the recording ended
  more than a day ago its objects are deleted and it no longer plays.
- An S3 outage while the files go up: the rows name the local files, which
  stay, and once S3 is back everything is uploaded, byte for byte.
"""
from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.participant import Participant
from meet_e2e.recorder import metric, recording_row, start_recorder, stored_in
from meet_e2e.waiting import wait_until

RECORDED_SECONDS = 3.0


@pytest.fixture
def stack(tmp_path, request, moto):
    api_env = {**moto.env(), "MEET_RECORDING_RETENTION_DAYS": "1", "MEET_RECORDING_RETENTION_SCAN_SECONDS": "1",
               "MEET_RECORDING_DIR": str(tmp_path / "recordings")}
    yield from stack_with_logs(tmp_path, request, sfu_nodes=1, ws_replicas=1, api_env=api_env)


@pytest.fixture
def recorder(stack, tmp_path, moto):
    yield start_recorder(stack, tmp_path, ws_replica=0, extra_env=moto.env())


def http(stack, path: str, token: str | None = None, headers: dict | None = None):
    """(status, headers, body) of a GET on meet-api."""
    return stack.rest.fetch(path, token, headers)


async def record(stack, recorder, owner: str, code: str, before_stop=None) -> str:
    """A host publishes, a recording runs RECORDED_SECONDS once frames are on disk, and stops; its id.
    `before_stop()` runs just before the stop."""
    host = Participant("host")
    try:
        await host.join(stack, code, replica=0, token=owner)
        await host.publish(stack.nodes[0].node_id)
        started = stack.rest.call("POST", f"/v1/meetings/{code}/recording", token=owner, expect=201)
        recording = started["id"].lower()
        await wait_until(lambda: metric(recorder, "meet_recorder_frames_written_total") > 0, 30, "frames written")
        await asyncio.sleep(RECORDED_SECONDS)  # the span being recorded, not a wait for a condition
        if before_stop:
            before_stop()
        stack.rest.call("DELETE", f"/v1/meetings/{code}/recording", token=owner)
        return recording
    finally:
        await host.close()



def test_recording_goes_to_s3_plays_back_with_ranges_follows_access_and_expires(stack, recorder, moto, tmp_path):
    asyncio.run(asyncio.wait_for(s3_scenario(stack, recorder, moto, tmp_path), 240))


async def s3_scenario(stack, recorder, moto, tmp_path) -> None:
    rest = stack.rest
    owner = rest.register("Owner")
    code = rest.create_meeting(owner)
    recording = await record(stack, recorder, owner, code)

    row = await wait_until(lambda: stored_in(stack, owner, recording, "s3"), 60, "every file uploaded to S3")
    kinds = {f["kind"] for f in row["files"]}
    assert kinds == {"audio", "video"}, row["files"]
    for file in row["files"]:
        key = file["storageKey"]
        assert key.startswith(f"{code}/{recording}/"), key
        assert not (tmp_path / "recordings" / key).exists(), "the local copy is deleted after the upload"
        assert len(moto.object(key)) == file["bytes"] > 0, file

    # Playback through meet-api, proxied from S3, against the object itself.
    video = next(f for f in row["files"] if f["kind"] == "video")
    audio = next(f for f in row["files"] if f["kind"] == "audio")
    expected = moto.object(video["storageKey"])
    size = len(expected)
    path = f"/v1/recordings/{recording}/files/{video['id']}"
    status, headers, body = http(stack, path, owner)
    assert status == 200 and body == expected
    assert headers["Content-Type"] == "video/webm" and headers["Accept-Ranges"] == "bytes"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Disposition"].startswith("attachment;")
    for first, last in [(0, 0), (100, 1099), (size - 7, size - 1)]:
        status, headers, body = http(stack, path, owner, {"Range": f"bytes={first}-{last}"})
        assert status == 206, (first, last, status, body[:200])
        assert headers["Content-Range"] == f"bytes {first}-{last}/{size}"
        assert body == expected[first:last + 1]
    status, headers, body = http(stack, path, owner, {"Range": "bytes=-500"})
    assert status == 206 and body == expected[-500:]
    status, headers, _ = http(stack, path, owner, {"Range": f"bytes={size}-"})
    assert status == 416 and headers["Content-Range"] == f"bytes */{size}"
    status, headers, body = http(stack, f"/v1/recordings/{recording}/files/{audio['id']}", owner)
    assert status == 200 and headers["Content-Type"] == "audio/webm" and body == moto.object(audio["storageKey"])

    # The authorization matrix, on the state at each request.
    host, attendee, participant, stranger = (rest.register(n) for n in ("Host", "Attendee", "Participant", "Stranger"))
    for token, role in ((host, "host"), (attendee, "attendee")):
        email = rest.call("GET", "/v1/users/me", token=token)["email"]
        rest.call("POST", f"/v1/meetings/{code}/members", {"email": email, "role": role}, owner, expect=201)
    rest.join(code, token=participant)  # a seat, no membership
    people = {"owner": owner, "host": host, "attendee": attendee, "participant": participant, "stranger": stranger}
    table = {
        "hosts": {"owner": 200, "host": 200, "attendee": 403, "participant": 403, "stranger": 404},
        "members": {"owner": 200, "host": 200, "attendee": 200, "participant": 403, "stranger": 404},
        "participants": {"owner": 200, "host": 200, "attendee": 200, "participant": 200, "stranger": 404},
    }
    for access, expected_status in table.items():
        rest.call("PUT", f"/v1/meetings/{code}/recording-access", {"access": access}, host)
        for name, token in people.items():
            for target in (f"/v1/recordings/{recording}", path):
                status, _, body = http(stack, target, token, {"Range": "bytes=0-15"})
                assert status in (expected_status[name], 206 if expected_status[name] == 200 else -1), \
                    (access, name, target, status, body[:200])
                if status >= 400:
                    assert b'"error"' in body, body
        assert http(stack, path)[0] == 401
    rest.call("PUT", f"/v1/meetings/{code}/recording-access", {"access": "members"}, attendee, expect=403)

    # Retention: a day after its end the recording expires; one sweep deletes its objects.
    subprocess.run(["psql", stack.database_url, "-q", "-c",
                    f"UPDATE recordings SET ended_at = now() - interval '2 days' WHERE id = '{recording}'"],
                   check=True, capture_output=True, timeout=30)
    await wait_until(lambda: not moto.keys(f"{code}/{recording}/"), 30, "retention deleted the objects")
    assert http(stack, f"/v1/recordings/{recording}", owner)[0] == 404
    assert http(stack, path, owner)[0] == 404
    assert rest.call("GET", f"/v1/meetings/{code}/recordings", token=owner)["items"] == []


def test_an_s3_outage_during_upload_loses_nothing(stack, recorder, moto, tmp_path):
    asyncio.run(asyncio.wait_for(outage_scenario(stack, recorder, moto, tmp_path), 240))


async def outage_scenario(stack, recorder, moto, tmp_path) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    recording = await record(stack, recorder, owner, code, before_stop=moto.stop)

    # S3 is down: the rows name the local files, which stay while the recorder retries.
    row = await wait_until(lambda: stored_in(stack, owner, recording, "directory"), 60, "the files finished locally")
    saved = {}
    for file in row["files"]:
        local = Path(file["storageKey"])
        assert local.is_file() and local.stat().st_size == file["bytes"] > 0, file
        saved[local.relative_to(tmp_path / "recordings").as_posix()] = local.read_bytes()
    await wait_until(lambda: "upload failed: retrying" in recorder.log(), 30, "the recorder retrying the upload")
    assert stored_in(stack, owner, recording, "directory"), "nothing moves while S3 is down"

    moto.start()
    row = await wait_until(lambda: stored_in(stack, owner, recording, "s3"), 90, "every file uploaded once S3 is back")
    assert {f["storageKey"] for f in row["files"]} == set(saved)
    for key, content in saved.items():
        assert moto.object(key) == content, key
        assert not (tmp_path / "recordings" / key).exists()
