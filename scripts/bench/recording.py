"""Recording a 4-person meeting (issue #18, "Measured").

    scripts/bench-recording [--minutes 10]   (starts PostgreSQL and Redis itself)

meet-api, two meet-ws replicas, two SFU nodes, one meet-recorder with the
composite on. Four aiortc participants publish Opus + VP8 320×240 at 30 fps;
participant A sends a 1 kHz beep of 100 ms and a white picture of 100 ms
together every 2 s (the beep starts at the first white frame's capture
time: `Pulses`; the others send grey and silence). A host starts the recording, it runs `--minutes`, the host
stops it. Printed:

- recorder CPU: its process's user+system time over the recorded span
  (/proc), per core and per recorded track (8 tracks), with the load average;
- stop → playable: from the stop request to the recording `stopped` with
  every per-track file listed (each on disk), and to the composite listed;
- A/V sync, first in A's per-track files (on the recording's timeline:
  publisher, SFU and the recorder's RTP→timeline mapping), then in the
  composite: the flash onsets in A's cell (mean luma of that
  cell through ffmpeg's signalstats, every frame) against the beep onsets
  (RMS of 5 ms windows through astats), paired nearest; audio minus video,
  mean / median / p95 of |error| / max. The composite runs at 25 fps, so a
  flash onset is known to 40 ms; the mean over many flashes is finer.

Not a test: figures go in docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import asyncio
import fractions
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Tests" / "e2e"))
from aiortc import RTCPeerConnection, RTCSessionDescription  # noqa: E402
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack  # noqa: E402
from av import AudioFrame, VideoFrame  # noqa: E402
from meet_e2e.media import force_codecs  # noqa: E402
from meet_e2e.participant import Participant  # noqa: E402
from meet_e2e.recorder import metric, start_recorder  # noqa: E402
from meet_e2e.stack import Stack  # noqa: E402

PERIOD = 2.0    # seconds between beeps/flashes
PULSE = 0.1     # beep and flash length
EPOCH = time.time()


def pulsing(at: float) -> bool:
    return (at - EPOCH) % PERIOD < PULSE


class Pulses:
    """A's pulses, the beep lined up on the flash: the flash starts with the
    first video frame (30 fps, from the video track's own start) at or after
    each nominal pulse start, and the beep starts at that frame's capture
    time, so the source has no skew of its own (a beep on the nominal
    schedule would lead the flash by 0-33 ms, 16.7 ms on average)."""

    video_start: float | None = None

    @classmethod
    def beeping(cls, at: float) -> bool:
        if cls.video_start is None:
            return False
        k = math.floor((at - EPOCH) / PERIOD)
        nominal = EPOCH + k * PERIOD
        first_frame = cls.video_start + math.ceil((nominal - cls.video_start) * 30 - 1e-9) / 30
        return first_frame <= at < first_frame + PULSE


class FlashTrack(VideoStreamTrack):
    """320×240 at 30 fps: white during a pulse (if `flashing`), dark grey otherwise."""

    def __init__(self, flashing: bool):
        super().__init__()
        self.flashing = flashing

    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        if self.flashing and Pulses.video_start is None:
            Pulses.video_start = self._start
        # The frame's capture time is its schedule (aiortc sleeps until it), not the time of this line.
        white = self.flashing and pulsing(self._start + pts * time_base)
        frame = VideoFrame(width=320, height=240, format="yuv420p")
        for plane, value in zip(frame.planes, (235 if white else 40, 128, 128)):
            plane.update(bytes([value]) * plane.buffer_size)
        frame.pts, frame.time_base = pts, time_base
        return frame


class BeepTrack(AudioStreamTrack):
    """20 ms mono frames at 48 kHz: a 1 kHz sine during a pulse (if `beeping`), silence otherwise."""

    RATE, SAMPLES = 48000, 960

    def __init__(self, beeping: bool):
        super().__init__()
        self.beeping = beeping

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if hasattr(self, "_timestamp"):
            self._timestamp += self.SAMPLES
            await asyncio.sleep(max(0.0, self._start + self._timestamp / self.RATE - time.time()))
        else:
            self._start, self._timestamp = time.time(), 0
        at = self._start + self._timestamp / self.RATE
        span = self.SAMPLES / self.RATE
        if self.beeping and (Pulses.beeping(at) or Pulses.beeping(at + span)):  # only frames that touch a pulse are computed
            samples = b"".join(
                (int(12000 * math.sin(2 * math.pi * 1000 * t)) if Pulses.beeping(t) else 0).to_bytes(2, "little", signed=True)
                for t in (at + i / self.RATE for i in range(self.SAMPLES)))
        else:
            samples = bytes(2 * self.SAMPLES)
        frame = AudioFrame(format="s16", layout="mono", samples=self.SAMPLES)
        frame.planes[0].update(samples)
        frame.pts, frame.sample_rate, frame.time_base = self._timestamp, self.RATE, fractions.Fraction(1, self.RATE)
        return frame


async def publish(person: Participant, pulses: bool) -> None:
    pc = RTCPeerConnection()
    pc.addTrack(BeepTrack(pulses))
    pc.addTrack(FlashTrack(pulses))
    force_codecs(pc)
    await pc.setLocalDescription(await pc.createOffer())
    person.publisher = pc
    reply = await person.signal.request("publish", {"offer": pc.localDescription.sdp})
    assert reply["type"] == "published", reply
    await pc.setRemoteDescription(RTCSessionDescription(sdp=reply["data"]["answer"], type="answer"))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def onsets(times: list[float], values: list[float], threshold: float) -> list[float]:
    """Times where `values` rise above `threshold` after at least 0.5 s below it."""
    found, below_since = [], None
    for t, v in zip(times, values):
        if v < threshold:
            below_since = t if below_since is None else below_since
        elif below_since is not None and t - below_since >= 0.5:
            found.append(t)
            below_since = None
        else:
            below_since = None
    return found


def metadata_series(arguments: list[str], key: str) -> tuple[list[float], list[float]]:
    """ffmpeg `…metadata=print:key=KEY:file=-` output: (pts_time, value) per frame."""
    out = subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", *arguments, "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stdout
    times, values, current = [], [], None
    for line in out.splitlines():
        if line.startswith("frame:") and "pts_time:" in line:
            current = float(line.split("pts_time:")[1].split()[0])
        elif line.startswith(key + "=") and current is not None:
            value = line.split("=", 1)[1]
            times.append(current)
            values.append(-120.0 if value in ("-inf", "nan") else float(value))
    return times, values


def flash_onsets(path: str, crop: str | None = None, copyts: bool = False) -> list[float]:
    """Where the mean luma (of the `crop` area) rises past 150; `copyts`: on the file's own timeline."""
    vf = (f"crop={crop}," if crop else "") + "signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=-"
    vt, luma = metadata_series([*(["-copyts"] if copyts else []), "-i", path, "-an", "-vf", vf], "lavfi.signalstats.YAVG")
    return onsets(vt, luma, 150.0)


def beep_onsets(path: str, copyts: bool = False) -> list[float]:
    """Where the RMS of 5 ms windows rises past -40 dBFS."""
    at, rms = metadata_series([*(["-copyts"] if copyts else []), "-i", path, "-vn", "-af",
                               "asetnsamples=n=240,astats=metadata=1:reset=1,"
                               "ametadata=print:key=lavfi.astats.Overall.RMS_level:file=-"],
                              "lavfi.astats.Overall.RMS_level")
    return onsets(at, rms, -40.0)


def track_sync_errors(files: list[dict]) -> list[float]:
    """The same pairing on A's per-track files, each read on the recording's
    timeline (the recorder writes timeline times; `-copyts` keeps them): what
    the publisher, the SFU and the recorder's RTP→timeline mapping give,
    before the composite."""
    videos = [f for f in files if f["kind"] == "video"]
    found = {f["participantId"]: flash_onsets(f["storageKey"], copyts=True) for f in videos}
    who = max(found, key=lambda p: len(found[p]), default=None)
    audio = next((f for f in files if f["kind"] == "audio" and f["participantId"] == who), None)
    if who is None or audio is None:
        return []
    return pair(found[who], beep_onsets(audio["storageKey"], copyts=True), "per-track files")


def pair(flashes: list[float], beeps: list[float], what: str) -> list[float]:
    errors = []
    for flash in flashes:
        nearest = min(beeps, key=lambda b: abs(b - flash), default=None)
        if nearest is not None and abs(nearest - flash) < PERIOD / 2:
            errors.append((nearest - flash) * 1000)
    print(f"{what}: flashes {len(flashes)}, beeps {len(beeps)}, paired {len(errors)}")
    return errors


def sync_errors(composite: str) -> list[float]:
    """A's cell is whichever of the 2×2 grid flashes (cells follow the first frames' order)."""
    flashes: list[float] = []
    for x, y in ((0, 0), (640, 0), (0, 360), (640, 360)):
        found = flash_onsets(composite, crop=f"640:360:{x}:{y}")
        if len(found) > len(flashes):
            flashes = found
    return pair(flashes, beep_onsets(composite), "composite")


async def run(stack: Stack, recorder, minutes: float) -> None:
    owner = stack.rest.register("Host")
    code = stack.rest.create_meeting(owner)
    people = [Participant(name) for name in ("A", "B", "C", "D")]
    try:
        await people[0].join(stack, code, replica=0, token=owner)
        for i, person in enumerate(people[1:], start=1):
            await person.join(stack, code, replica=i % 2)
        await publish(people[0], True)
        await asyncio.sleep(1)
        for person in people[1:]:
            await publish(person, False)
        stack.rest.call("POST", f"/v1/meetings/{code}/recording", token=owner, expect=201)
        deadline = time.monotonic() + 60
        while metric(recorder, "meet_recorder_active_tracks") < 8:
            assert time.monotonic() < deadline, "the recorder never recorded 8 tracks"
            await asyncio.sleep(0.2)
        pid = recorder.process.pid
        cpu0, wall0 = cpu_seconds(pid), time.monotonic()
        print(f"recording 8 tracks for {minutes} min …", flush=True)
        await asyncio.sleep(minutes * 60)  # the span measured
        cpu1, wall1 = cpu_seconds(pid), time.monotonic()
        load = os.getloadavg()

        stopped_at = time.monotonic()
        stack.rest.call("DELETE", f"/v1/meetings/{code}/recording", token=owner)
        listing = f"/v1/meetings/{code}/recordings"
        playable = composite_at = None
        recording = {}
        while composite_at is None and time.monotonic() - stopped_at < 1800:
            recording = stack.rest.call("GET", listing, token=owner)["items"][0]
            tracks = [f for f in recording["files"] if f["kind"] != "composite"]
            if playable is None and recording["status"] == "stopped" and len(tracks) == 8 \
                    and all(Path(f["storageKey"]).is_file() for f in tracks):
                playable = time.monotonic() - stopped_at
            if any(f["kind"] == "composite" for f in recording["files"]):
                composite_at = time.monotonic() - stopped_at
            await asyncio.sleep(0.1)
        composite = next(f for f in recording["files"] if f["kind"] == "composite")

        cores = (cpu1 - cpu0) / (wall1 - wall0)
        print(f"\nrecorded {wall1 - wall0:.0f} s of 4 publishers (8 tracks), load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
        print(f"recorder CPU: {cores:.3f} core, {cores / 8:.4f} core per track (goal <= 0.05)")
        print(f"stop -> per-track files playable: {playable:.2f} s (goal <= 10 s)")
        print(f"stop -> composite listed: {composite_at:.1f} s ({composite['durationMs'] / 1000:.0f} s long, {composite['bytes'] / 1e6:.1f} MB)")
        report("A/V sync in A's per-track files", track_sync_errors([f for f in recording["files"] if f["kind"] != "composite"]))
        report("A/V sync in the composite", sync_errors(composite["storageKey"]))
    finally:
        await asyncio.gather(*(p.close() for p in people), return_exceptions=True)


def report(what: str, errors: list[float]) -> None:
    if not errors:
        print(f"{what}: nothing paired")
        return
    absolute = sorted(abs(e) for e in errors)
    print(f"{what} (audio - video, ms): mean {statistics.mean(errors):+.1f}, "
          f"median {statistics.median(errors):+.1f}, p95 |e| {absolute[int(0.95 * (len(absolute) - 1))]:.1f}, "
          f"max |e| {absolute[-1]:.1f} over {len(errors)} pulses (goal <= 40)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="meet-bench-recording-") as tmp:
        stack = Stack(Path(tmp), sfu_nodes=2)
        try:
            recorder = start_recorder(stack, Path(tmp), ws_replica=0, extra_env={"MEET_RECORDING_COMPOSITE": "true"})
            asyncio.run(run(stack, recorder, args.minutes))
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
