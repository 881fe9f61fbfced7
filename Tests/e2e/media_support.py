"""aiortc media helpers shared by the end-to-end tests.

`SizedVideoTrack` sends frames of a fixed, unusual size so that video that
comes back (echoed or forwarded) can be recognised as ours; `force_codecs`
keeps Opus and VP8 only, the codecs the issues name.
"""
from __future__ import annotations

from aiortc import RTCPeerConnection
from aiortc.mediastreams import VideoStreamTrack
from av import VideoFrame

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


def force_codecs(pc: RTCPeerConnection) -> None:
    """Prefer Opus for audio and VP8 for video on every transceiver."""
    from aiortc.rtcrtpsender import RTCRtpSender

    for transceiver in pc.getTransceivers():
        capabilities = RTCRtpSender.getCapabilities(transceiver.kind)
        wanted = "audio/opus" if transceiver.kind == "audio" else "video/VP8"
        transceiver.setCodecPreferences([c for c in capabilities.codecs if c.mimeType == wanted])
