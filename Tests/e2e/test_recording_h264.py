"""An H.264 publisher recorded (issue #18, docs/dev/recording.md, "H.264"):
aiortc publishes Opus + H.264 (constrained baseline, packetization mode 1)
through the SFU; the host records a few seconds and stops. The recorder
writes the video as Matroska without transcoding: the file is listed with
codec H264 and a `.mkv` path, ffprobe reads one `h264` stream of 320×240
lasting about what the row says, with no decode error in ffmpeg
(`-xerror`) and every frame at a later time than the one before; the
audio is WebM Opus beside it; and playback serves the Matroska file as
`video/x-matroska`.
"""
from __future__ import annotations

import asyncio
import json
import subprocess
import urllib.request

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.media import SizedVideoTrack, force_codecs
from meet_e2e.participant import Participant
from meet_e2e.recorder import metric, start_recorder
from meet_e2e.waiting import wait_until


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request, ws_replicas=1, sfu_nodes=1,
                               api_env={"MEET_RECORDING_DIR": str(tmp_path / "recordings")})


@pytest.fixture
def recorder(stack, tmp_path):
    yield start_recorder(stack, tmp_path, ws_replica=0)


async def publish_h264(person: Participant) -> None:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTrack(AudioStreamTrack())
    pc.addTrack(SizedVideoTrack())
    force_codecs(pc, video="H264")
    await pc.setLocalDescription(await pc.createOffer())
    person.publisher = pc
    reply = await person.signal.request("publish", {"offer": pc.localDescription.sdp})
    assert reply["type"] == "published", reply
    assert "H264/90000" in reply["data"]["answer"], "the SFU did not take H.264"
    await pc.setRemoteDescription(RTCSessionDescription(sdp=reply["data"]["answer"], type="answer"))


def probe(path: str) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                          "stream=codec_name,width,height:format=format_name,duration", "-of", "json", path],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    return json.loads(out)


def test_an_h264_publisher_is_recorded_to_matroska(stack, recorder):
    asyncio.run(asyncio.wait_for(scenario(stack, recorder), 120))


async def scenario(stack, recorder) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    host = Participant("host")
    try:
        await host.join(stack, code, replica=0, token=owner)
        await publish_h264(host)
        stack.rest.call("POST", f"/v1/meetings/{code}/recording", token=owner, expect=201)
        frames = "meet_recorder_frames_written_total"
        await wait_until(lambda: metric(recorder, frames) > 250, 40, "a few seconds of H.264 and Opus recorded")
        stack.rest.call("DELETE", f"/v1/meetings/{code}/recording", token=owner)
        listing = f"/v1/meetings/{code}/recordings"
        recording = await wait_until(
            lambda: (lambda r: r if r["status"] == "stopped" and len(r["files"]) == 2 else None)(
                stack.rest.call("GET", listing, token=owner)["items"][0]), 30, "both files listed")
    finally:
        await host.close()

    video = next(f for f in recording["files"] if f["kind"] == "video")
    audio = next(f for f in recording["files"] if f["kind"] == "audio")
    assert video["codec"] == "H264" and video["storageKey"].endswith(".mkv"), video
    assert audio["codec"] == "opus" and audio["storageKey"].endswith(".webm"), audio

    info = probe(video["storageKey"])
    print(f"H.264 file: {info}, row {video['durationMs']} ms, {video['bytes']} bytes")
    assert "matroska" in info["format"]["format_name"], info
    assert [(s["codec_name"], s["width"], s["height"]) for s in info["streams"]] == [("h264", 320, 240)], info
    assert abs(float(info["format"]["duration"]) * 1000 - video["durationMs"]) < 500, (info, video)
    assert video["durationMs"] > 2000, video
    # `-enc_time_base -1`: the null output keeps the file's millisecond times. By default
    # it re-times frames onto a guessed frame rate (89/3 when one frame came 43 ms after
    # the last), where two frames 33 ms apart can round to one tick: ffmpeg then reports
    # "non monotonically increasing dts" about its own output (CI, session 14).
    decoded = subprocess.run(["ffmpeg", "-v", "error", "-xerror", "-i", video["storageKey"],
                              "-enc_time_base", "-1", "-f", "null", "-"], capture_output=True, text=True, timeout=60)
    assert decoded.returncode == 0 and not decoded.stderr.strip(), decoded.stderr
    # Every frame at its own time, in order (MediaClock).
    times = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=pts",
                            "-of", "csv=p=0", video["storageKey"]], capture_output=True, text=True, timeout=30,
                           check=True).stdout.split()
    assert len(times) > 30 and all(int(a) < int(b) for a, b in zip(times, times[1:])), times
    assert [s["codec_name"] for s in probe(audio["storageKey"])["streams"]] == ["opus"]

    url = f"{stack.api.base_url}/v1/recordings/{recording['id']}/files/{video['id']}"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {owner}", "Range": "bytes=0-99"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 206 and response.headers["Content-Type"] == "video/x-matroska"
        assert len(response.read()) == 100
