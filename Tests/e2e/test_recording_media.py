"""Recording media end to end (issue #18, docs/dev/recording.md): two aiortc
participants publish Opus and VP8, each on its own SFU node; a host starts a
recording over REST; meet-recorder claims the job, joins the meeting as a
hidden subscriber through the redirect path (one subscriber connection per
node, re-offered when a third publisher comes to the host's node and when it
leaves again) and writes one WebM per track. After the stop, every track
has its file, ffprobe reads the right codec and a duration that matches the
time recorded, and `GET …/recordings` lists the files. Nobody in the room
ever sees the recorder: no `participant-joined`/`-left` for it, and a late
joiner's snapshot does not list it.
"""
from __future__ import annotations

import asyncio
import json
import subprocess
import time
from pathlib import Path

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.recorder import metric, start_recorder
from meet_e2e.participant import Participant
from meet_e2e.waiting import wait_until

# The span recorded once media is on disk; files must hold about this much.
RECORDED_SECONDS = 6.0


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request, sfu_nodes=2)


@pytest.fixture
def recorder(stack, tmp_path):
    yield start_recorder(stack, tmp_path, ws_replica=1)


def probe(path: str) -> dict:
    """ffprobe's view of a file: its one stream's codec and the container's duration."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,codec_type,width,height:format=duration",
         "-of", "json", path], capture_output=True, text=True, timeout=30, check=True).stdout
    data = json.loads(out)
    assert len(data["streams"]) == 1, data
    return {**data["streams"][0], "duration": float(data["format"]["duration"])}


def test_the_recorder_writes_a_file_per_track_and_stays_hidden(stack, recorder):
    asyncio.run(asyncio.wait_for(media_scenario(stack, recorder), 180))


async def media_scenario(stack, recorder) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    host, guest = Participant("host"), Participant("guest")
    people = [host, guest]
    late = Participant("late")
    try:
        await host.join(stack, code, replica=0, token=owner)
        await guest.join(stack, code, replica=1)
        for person, node in zip(people, stack.nodes):
            published = await person.publish(node.node_id)
            assert published["nodeId"] == node.node_id, published

        asked = time.monotonic()
        started = stack.rest.call("POST", f"/v1/meetings/{code}/recording", token=owner, expect=201)
        recording_id = started["id"].lower()
        listing = f"/v1/meetings/{code}/recordings"

        def current() -> dict:
            return stack.rest.call("GET", listing, token=owner)["items"][0]

        await wait_until(lambda: current()["status"] == "recording", 20, "the recorder claimed the job")
        # Media reaches the files: from here on, RECORDED_SECONDS are recorded.
        await wait_until(lambda: metric(recorder, "meet_recorder_frames_written_total") > 0, 30,
                         "the recorder writing frames")
        window_start = time.monotonic()

        # A late joiner while the recorder is in the room: its snapshot lists people only.
        people.append(late)
        snapshot = await late.join(stack, code, replica=0)
        listed = {p["id"].lower() for p in snapshot["participants"]}
        assert listed == {host.id, guest.id, late.id}, snapshot["participants"]
        assert {t["participantId"].lower() for t in snapshot["tracks"]} == {host.id, guest.id}
        # It publishes on the host's node: the recorder's connection there is re-offered with its tracks...
        await late.publish(stack.nodes[0].node_id)
        await wait_until(lambda: metric(recorder, "meet_recorder_active_tracks") == 6, 30, "six tracks recorded")

        await asyncio.sleep(RECORDED_SECONDS)  # the span being recorded, not a wait for a condition
        # ...and when it leaves, re-offered without them: its files end, the host's go on.
        await late.close()
        await wait_until(lambda: metric(recorder, "meet_recorder_active_tracks") == 4, 30, "the late joiner's files finished")
        stopped = stack.rest.call("DELETE", f"/v1/meetings/{code}/recording", token=owner)
        window = time.monotonic() - window_start
        whole = time.monotonic() - asked
        assert stopped["status"] in ("stopping", "stopped"), stopped

        finished = await wait_until(
            lambda: (lambda r: r if r["status"] == "stopped" and len(r["files"]) == 6 else None)(current()), 30,
            "the recording stopped with six files listed")

        by_track: dict[tuple[str, str], dict] = {}
        for file in finished["files"]:
            by_track[(file["participantId"].lower(), file["kind"])] = file
        assert set(by_track) == {(p.id, kind) for p in (host, guest, late) for kind in ("audio", "video")}, finished["files"]
        for (publisher, kind), file in by_track.items():
            path = file["storageKey"]
            assert Path(path).is_file() and not path.endswith(".part"), file
            assert Path(path).stat().st_size == file["bytes"] > 0, file
            assert f"/{code}/{recording_id}/" in path, path
            info = probe(path)
            assert info["codec_name"] == ("vp8" if kind == "video" else "opus"), info
            if kind == "video":
                assert (info["width"], info["height"]) == (320, 240), info
            # The container agrees with the row, and both with the time recorded. The file's
            # timestamps start at its place on the segment's timeline (`startMs`), and the
            # container's duration counts from the segment's start: a loaded CI machine once
            # gave an Opus file 6.6 s against a row of 6 061 ms, a track that began 539 ms in.
            assert abs(info["duration"] * 1000 - (file["startMs"] + file["durationMs"])) < 500, (info, file)
            shortest = RECORDED_SECONDS * 1000 - 2500
            longest = (whole + 1) * 1000
            if publisher == late.id:  # from its publication to its leave, within the window
                longest = (window + 1) * 1000
            assert shortest <= file["durationMs"] <= longest, (publisher, file, window, whole)
        for person in (host, guest, late):
            audio, video = by_track[(person.id, "audio")], by_track[(person.id, "video")]
            # One timeline: a publisher's audio and video cover about the same span.
            assert abs(audio["durationMs"] - video["durationMs"]) < 2500, (audio, video)

        # Hidden throughout: nobody heard the recorder join or leave.
        await wait_until(lambda: all(any(m["type"] == "recording-stopped" for m in p.signal.seen) for p in (host, guest)), 10,
                         "everyone still in the room told the recording stopped")
        for person in people:
            for message in person.signal.seen:
                if message["type"] in ("participant-joined", "participant-left", "participant-updated"):
                    data = message["data"]
                    who = (data.get("participant") or {}).get("id") or data.get("participantId") or ""
                    assert who.lower() != recording_id, (person.name, message)
        rest_participants = stack.rest.call("GET", f"/v1/meetings/{code}/participants", token=owner)
        assert recording_id not in json.dumps(rest_participants).lower()
    finally:
        await asyncio.gather(*(p.close() for p in people), return_exceptions=True)
