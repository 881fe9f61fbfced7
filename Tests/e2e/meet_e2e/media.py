"""aiortc media helpers shared by the end-to-end tests.

Importing this module keeps every aiortc candidate on loopback (below).
`SizedVideoTrack` sends frames of a fixed, unusual size so that video that
comes back (echoed or forwarded) can be recognised as ours; `force_codecs`
keeps Opus and one video codec (VP8 by default, or H.264); `count_frames`
decodes a received track, counting what arrives.
"""
from __future__ import annotations

import array
import asyncio
import fractions
import math
import time

import aioice.ice as _aioice_ice
from aiortc import RTCPeerConnection
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack
from av import AudioFrame, VideoFrame

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


class ToneTrack(AudioStreamTrack):
    """20 ms mono frames at 8 kHz: a sine of `frequency` Hz at half scale while `on`, else silence."""

    def __init__(self, frequency: int = 440, on: bool = True):
        super().__init__()
        self.on = on
        rate, samples = 8000, 160
        self._tone = b"".join(
            int(16383 * math.sin(2 * math.pi * frequency * i / rate)).to_bytes(2, "little", signed=True)
            for i in range(rate))  # one second; a whole number of Hz repeats exactly
        self._offset = 0
        self._rate, self._samples = rate, samples

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if hasattr(self, "_timestamp"):
            self._timestamp += self._samples
            await asyncio.sleep(max(0.0, self._start + self._timestamp / self._rate - time.time()))
        else:
            self._start, self._timestamp = time.time(), 0
        frame = AudioFrame(format="s16", layout="mono", samples=self._samples)
        size = 2 * self._samples
        if self.on:
            chunk = self._tone[self._offset:self._offset + size]
            self._offset = (self._offset + size) % len(self._tone)
        else:
            chunk = bytes(size)
        frame.planes[0].update(chunk)
        frame.pts = self._timestamp
        frame.sample_rate = self._rate
        frame.time_base = fractions.Fraction(1, self._rate)
        return frame


def tone_of(frames: list[AudioFrame]) -> tuple[float, float]:
    """(frequency in Hz from zero crossings, RMS) of decoded s16 audio frames (first channel)."""
    samples: list[int] = []
    rate = 48000
    for frame in frames:
        rate = frame.sample_rate
        channels = len(frame.layout.channels)
        data = array.array("h", bytes(frame.planes[0])[:2 * frame.samples * channels])
        samples.extend(data[::channels])
    if len(samples) < 2:
        return 0.0, 0.0
    crossings = sum(1 for a, b in zip(samples, samples[1:]) if (a < 0) != (b < 0))
    rms = math.sqrt(sum(x * x for x in samples) / len(samples))
    return crossings / 2 / (len(samples) / rate), rms


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
