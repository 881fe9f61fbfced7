"""aiortc media helpers shared by the end-to-end tests.

Importing this module keeps every aiortc candidate on loopback (below).
`SizedVideoTrack` sends frames of a fixed, unusual size so that video that
comes back (echoed or forwarded) can be recognised as ours; `force_codecs`
keeps Opus and one video codec (VP8 by default, or H.264); `count_frames`
decodes a received track, counting what arrives.
"""
from __future__ import annotations

import aioice.ice as _aioice_ice
from aiortc import RTCPeerConnection
from aiortc.mediastreams import MediaStreamError, VideoStreamTrack
from av import VideoFrame

# Keep every aiortc candidate on loopback: aioice leaves 127.0.0.1 out of its
# host addresses, which would send test traffic over the machine's external
# interface (or fail on a machine that has none). Tests here talk to loopback only.
_aioice_ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"] if use_ipv4 else []

WIDTH, HEIGHT = 320, 240


class SizedVideoTrack(VideoStreamTrack):
    """30 fps frames of WIDTH×HEIGHT in a flat colour."""

    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = VideoFrame(width=WIDTH, height=HEIGHT, format="yuv420p")
        for plane, value in zip(frame.planes, (120, 60, 200)):
            plane.update(bytes([value]) * plane.buffer_size)
        frame.pts = pts
        frame.time_base = time_base
        return frame


def force_codecs(pc: RTCPeerConnection, video: str = "VP8") -> None:
    """Opus for audio and `video` (VP8 or H264) for video on every transceiver.

    For H.264 only the constrained-baseline, packetization-mode 1 variant is
    kept (the one Meet negotiates).
    """
    from aiortc.rtcrtpsender import RTCRtpSender

    for transceiver in pc.getTransceivers():
        capabilities = RTCRtpSender.getCapabilities(transceiver.kind)
        wanted = "audio/opus" if transceiver.kind == "audio" else f"video/{video}"
        codecs = [c for c in capabilities.codecs if c.mimeType == wanted]
        if video == "H264" and transceiver.kind == "video":
            codecs = [c for c in codecs if c.parameters.get("packetization-mode") == "1"
                      and c.parameters.get("profile-level-id", "").lower().startswith("42e0")] or codecs
        transceiver.setCodecPreferences(codecs)


async def count_frames(track, counts: dict) -> None:
    """Decodes `track` until it ends: `counts[kind]` counts its frames and
    `counts["sizes"]` (a set) collects the video frame sizes, `counts["last"]` the latest."""
    try:
        while True:
            frame = await track.recv()
            counts[track.kind] += 1
            if track.kind == "video":
                counts["sizes"].add((frame.width, frame.height))
                counts["last"] = (frame.width, frame.height)
    except MediaStreamError:
        pass
