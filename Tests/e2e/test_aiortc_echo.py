"""aiortc (an independent WebRTC stack) against the MeetRTC echo peer.

The aiortc client offers Opus audio and VP8 video from synthetic tracks,
connects over loopback (no STUN servers), and must receive its own media
back: more than 30 decoded video frames of the size it sent, and decoded
audio frames, within the time bound.
"""

from __future__ import annotations

import asyncio

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack
from meet_e2e.media import HEIGHT, WIDTH, SizedVideoTrack, count_frames, force_codecs
from meet_e2e.waiting import wait_until

TIME_BOUND_S = 30.0
MIN_VIDEO_FRAMES = 30


async def run_client(server) -> dict:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    received = {"video": 0, "audio": 0, "sizes": set()}
    states: list[str] = []
    consumers: list[asyncio.Task] = []

    @pc.on("connectionstatechange")
    def on_state() -> None:
        states.append(pc.connectionState)

    @pc.on("track")
    def on_track(track) -> None:
        consumers.append(asyncio.ensure_future(count_frames(track, received)))

    pc.addTrack(AudioStreamTrack())
    pc.addTrack(SizedVideoTrack())
    force_codecs(pc)
    await pc.setLocalDescription(await pc.createOffer())
    loop = asyncio.get_running_loop()
    answer = await loop.run_in_executor(
        None, server.post, "/offer", {"sdp": pc.localDescription.sdp, "type": pc.localDescription.type}
    )
    assert answer["type"] == "answer"
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))

    try:
        # Judged by the test below; a failed connection ends the wait early.
        await wait_until(lambda: (received["video"] > MIN_VIDEO_FRAMES and received["audio"] > 0)
                         or pc.connectionState == "failed", TIME_BOUND_S, "audio and video echoed back",
                         details=lambda: f"received {received}; aiortc states {states}; meet-echo: {server.stage_report()}")
    finally:
        received["states"] = states
        await pc.close()
        for task in consumers:
            task.cancel()
    return received


def test_aiortc_receives_its_own_audio_and_video(echo_server):
    received = asyncio.run(run_client(echo_server))
    report = echo_server.stage_report()
    print(f"aiortc received {received}; meet-echo: {report}")
    assert received["video"] > MIN_VIDEO_FRAMES, (
        f"only {received['video']} video frames echoed back in {TIME_BOUND_S}s; "
        f"aiortc states {received['states']}; meet-echo: {report}"
    )
    assert received["audio"] > 0, f"no audio frames echoed back; meet-echo: {report}"
    assert received["sizes"] == {(WIDTH, HEIGHT)}, f"echoed frames have sizes {received['sizes']}"
