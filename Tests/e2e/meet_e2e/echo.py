"""`meet-echo` (Tools/EchoPeer) for the MeetRTC interop tests.

Each test gets its own echo peer on free loopback ports (the `echo_server`
fixture in conftest.py). It answers `POST /offer`, reports per-peer stages
and counters on `GET /stats`, and serves `Tests/e2e/web` for the Chromium
test. When a test fails, `EchoServer.stage_report()` says at which stage
(ICE, DTLS, SRTP, RTP) the connection stopped.
"""
from __future__ import annotations

import json
import os
import socket
import urllib.request
from pathlib import Path

from .env import binary, free_port
from .process import LoggedProcess

# The page and script the Chromium interop test loads from meet-echo.
ECHO_WEB_DIR = Path(__file__).resolve().parents[1] / "web"


def describe_stage(peer: dict) -> str:
    """Names the first stage a peer did not reach, from its `/stats` entry."""
    stages = peer.get("stages", {})
    counters = peer.get("counters", {})
    failure = peer.get("failure")
    if failure:
        return f"failed: {failure}"
    if not stages.get("iceConnected"):
        return f"stopped at ICE (STUN requests seen: {counters.get('stunIn', 0)})"
    if not stages.get("dtlsConnected"):
        return f"stopped at DTLS (DTLS records seen: {counters.get('dtlsIn', 0)})"
    if not stages.get("srtpReady"):
        return "stopped at SRTP (DTLS done but no SRTP keys)"
    if counters.get("rtpIn", 0) == 0:
        return f"stopped at RTP (no media decrypted; SRTP errors: {counters.get('srtpErrors', 0)})"
    if counters.get("rtpOut", 0) == 0:
        return "stopped at RTP (media received but none echoed)"
    return f"media flowing (rtpIn={counters.get('rtpIn')}, rtpOut={counters.get('rtpOut')})"


class EchoServer(LoggedProcess):
    """A running meet-echo process and helpers to talk to it."""

    def __init__(self, tmp_path: Path):
        self.http_port = free_port(socket.SOCK_STREAM)
        self.udp_port = free_port(socket.SOCK_DGRAM)
        self.base_url = f"http://127.0.0.1:{self.http_port}"
        env = dict(os.environ)
        env.setdefault("MEET_LOG_LEVEL", "debug")
        super().__init__(
            [
                str(binary("meet-echo")),
                "--http-port", str(self.http_port),
                "--udp-port", str(self.udp_port),
                "--host", "127.0.0.1",
                "--public-ip", "127.0.0.1",
                "--static-dir", str(ECHO_WEB_DIR),
            ],
            tmp_path / "meet-echo.log",
            env,
            name="meet-echo",
        )
        self.wait_ready(lambda: self.get("/health") is not None, 30, "answering /health")

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(self.base_url + path, timeout=5) as response:
            return json.loads(response.read())

    def post(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def stats(self) -> dict:
        return self.get("/stats")

    def stage_report(self) -> str:
        """One line per peer: id and the stage it stopped at."""
        try:
            peers = self.stats().get("peers", [])
        except OSError as error:
            return f"(no /stats: {error})"
        if not peers:
            return "no peer connection was created (offer never reached meet-echo?)"
        return "\n".join(f"peer {p.get('id')}: {describe_stage(p)}" for p in peers)

    def stop(self) -> None:
        self.end()
        self.close_log()
