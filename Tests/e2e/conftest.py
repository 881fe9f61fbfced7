"""Fixtures for the MeetRTC interop tests.

Each test gets its own `meet-echo` process (Tools/EchoPeer) on free loopback
ports. The binary comes from `$MEET_BIN_DIR` (default `.build/debug`). The echo
peer answers `POST /offer`, reports per-peer stages and counters on
`GET /stats`, and serves `Tests/e2e/web` for the browser test.

When a test fails, `EchoServer.stage_report()` says at which stage (ICE, DTLS,
SRTP, RTP) the connection stopped, and the echo peer's log is printed.
"""
from __future__ import annotations

import json
import os
import socket
import time
import urllib.request
from pathlib import Path

import pytest
from process_support import LoggedProcess


# Keep every aiortc candidate on loopback: aioice leaves 127.0.0.1 out of its
# host addresses, which would send test traffic over the machine's external
# interface (or fail on a machine that has none). Tests here talk to loopback only.
import aioice.ice as _aioice_ice

_aioice_ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"] if use_ipv4 else []

REPO_ROOT = Path(__file__).resolve().parents[2]
WEB_DIR = Path(__file__).resolve().parent / "web"


def free_port(kind: int) -> int:
    """A port that is free on 127.0.0.1 right now, for TCP or UDP."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def echo_binary() -> Path:
    bin_dir = Path(os.environ.get("MEET_BIN_DIR", REPO_ROOT / ".build" / "debug"))
    if not bin_dir.is_absolute():
        bin_dir = REPO_ROOT / bin_dir
    path = bin_dir / "meet-echo"
    if not path.exists():
        pytest.fail(f"meet-echo not found at {path}: build it with `swift build --product meet-echo`")
    return path


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
                str(echo_binary()),
                "--http-port", str(self.http_port),
                "--udp-port", str(self.udp_port),
                "--host", "127.0.0.1",
                "--public-ip", "127.0.0.1",
                "--static-dir", str(WEB_DIR),
            ],
            tmp_path / "meet-echo.log",
            env,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"meet-echo exited with {self.process.returncode}:\n{self.log()}")
            try:
                self.get("/health")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"meet-echo did not answer /health within {timeout}s:\n{self.log()}")

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


@pytest.fixture
def echo_server(tmp_path, request):
    server = EchoServer(tmp_path)
    yield server
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        print("---- meet-echo stage report ----")
        print(server.stage_report())
        print("---- meet-echo log (tail) ----")
        print(server.log())
    server.stop()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)
