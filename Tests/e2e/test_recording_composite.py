"""The composite (issue #18, docs/dev/recording.md, "Composite"): two aiortc
publishers (Opus + VP8), the second publishing a few seconds after the
recording started; after the stop the recorder makes one MP4 with Debian's
ffmpeg: a grid with mixed audio, each track at its place on the timeline.
It is listed as a file of kind `composite`, ffprobe reads H.264 1280×720
and AAC lasting from the first media to the last, it plays back through
the playback route (`video/mp4`, ranges) byte for byte, and headless
Chromium plays it in a `<video>` (fetched with the host's token, as the
playback route needs one): `currentTime` advances, 1280×720.
"""
from __future__ import annotations

import asyncio
import json
import subprocess
import urllib.request
from pathlib import Path

import pytest
from meet_e2e.browser import MeetBrowser
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.participant import Participant
from meet_e2e.recorder import metric, start_recorder
from meet_e2e.waiting import wait_until


@pytest.fixture
def stack(tmp_path, request):
    # meet-api serves directory-store files from the recorder's directory (the same path).
    yield from stack_with_logs(tmp_path, request, sfu_nodes=1, api_env={"MEET_RECORDING_DIR": str(tmp_path / "recordings")})


@pytest.fixture
def recorder(stack, tmp_path):
    yield start_recorder(stack, tmp_path, ws_replica=0, extra_env={"MEET_RECORDING_COMPOSITE": "true"})


def streams(path: str) -> tuple[list[dict], float]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name,width,height:format=duration",
         "-of", "json", path], capture_output=True, text=True, timeout=30, check=True).stdout
    data = json.loads(out)
    return data["streams"], float(data["format"]["duration"])


def test_a_stopped_recording_gets_one_playable_mp4(stack, recorder):
    asyncio.run(asyncio.wait_for(composite_scenario(stack, recorder), 240))


async def composite_scenario(stack, recorder) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    host, guest = Participant("host"), Participant("guest")
    try:
        await host.join(stack, code, replica=0, token=owner)
        await guest.join(stack, code, replica=1)
        await host.publish()
        stack.rest.call("POST", f"/v1/meetings/{code}/recording", token=owner, expect=201)
        frames = "meet_recorder_frames_written_total"
        await wait_until(lambda: metric(recorder, frames) > 50, 30, "the host's media recorded")
        await guest.publish()
        await wait_until(lambda: metric(recorder, "meet_recorder_active_tracks") == 4, 30, "the guest's tracks recorded")
        at_four = metric(recorder, frames)
        await wait_until(lambda: metric(recorder, frames) > at_four + 500, 40, "a few seconds of both")
        stack.rest.call("DELETE", f"/v1/meetings/{code}/recording", token=owner)

        listing = f"/v1/meetings/{code}/recordings"
        finished = await wait_until(
            lambda: (lambda r: r if r["status"] == "stopped" and any(f["kind"] == "composite" for f in r["files"]) else None)(
                stack.rest.call("GET", listing, token=owner)["items"][0]), 120,
            "the composite listed")
        tracks = [f for f in finished["files"] if f["kind"] != "composite"]
        composite = next(f for f in finished["files"] if f["kind"] == "composite")
        assert len(tracks) == 4, finished["files"]
        assert composite["codec"] == "h264+aac" and composite["bytes"] > 0, composite

        probed, duration = streams(composite["storageKey"])
        kinds = {s["codec_type"]: s for s in probed}
        assert set(kinds) == {"video", "audio"}, probed
        assert kinds["video"]["codec_name"] == "h264" and (kinds["video"]["width"], kinds["video"]["height"]) == (1280, 720)
        assert kinds["audio"]["codec_name"] == "aac"
        # From the first track's first frame to the last track's end (all in segment 0).
        span = (max(f["startMs"] + f["durationMs"] for f in tracks) - min(f["startMs"] for f in tracks)) / 1000
        print(f"composite: {duration:.2f} s for a span of {span:.2f} s, {composite['bytes']} bytes")
        assert abs(duration - span) < 0.5, (duration, span, tracks)
        assert abs(composite["durationMs"] / 1000 - duration) < 0.5, composite

        # Played through meet-api like any file: whole, and a range.
        url = f"{stack.api.base_url}/v1/recordings/{finished['id']}/files/{composite['id']}"
        whole = urllib.request.Request(url, headers={"Authorization": f"Bearer {owner}"})
        with urllib.request.urlopen(whole, timeout=30) as response:
            assert response.headers["Content-Type"] == "video/mp4"
            body = response.read()
        assert body == Path(composite["storageKey"]).read_bytes()
        ranged = urllib.request.Request(url, headers={"Authorization": f"Bearer {owner}", "Range": "bytes=100-199"})
        with urllib.request.urlopen(ranged, timeout=30) as response:
            assert response.status == 206 and response.read() == body[100:200]

        played = play_in_chromium(stack, url, owner)
        print(f"Chromium played the composite: {played}")
        assert played.get("error") is None, played
        assert (played["width"], played["height"]) == (1280, 720), played
        assert played["advanced"] >= 1.0, played
    finally:
        await asyncio.gather(host.close(), guest.close(), return_exceptions=True)


# Runs in the page (meet-api's origin): fetch the file with the token, play
# it muted in a <video>, and report once currentTime has moved a second on.
PLAY_SCRIPT = """
const [url, token, done] = arguments;
(async () => {
  const response = await fetch(url, {headers: {Authorization: 'Bearer ' + token}});
  if (!response.ok) return done({error: 'HTTP ' + response.status});
  const video = document.createElement('video');
  video.muted = true;
  video.src = URL.createObjectURL(await response.blob());
  document.body.appendChild(video);
  video.onerror = () => done({error: 'media error ' + (video.error && video.error.code)});
  await video.play();
  const first = video.currentTime;
  const started = performance.now();
  while (video.currentTime - first < 1.0 && performance.now() - started < 15000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  done({width: video.videoWidth, height: video.videoHeight, advanced: video.currentTime - first, duration: video.duration});
})().catch((error) => done({error: String(error)}));
"""


def play_in_chromium(stack, url: str, token: str) -> dict:
    browser = MeetBrowser("Viewer", stack.api.base_url)
    try:
        browser.driver.get(stack.api.base_url + "/healthz")
        return browser.driver.execute_async_script(PLAY_SCRIPT, url, token)
    finally:
        browser.quit()
