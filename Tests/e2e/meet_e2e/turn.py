"""A TURN relay for tests: Debian's coturn (`turnserver`) on loopback.

It checks credentials the way a production coturn does with
`use-auth-secret`: meet-ws mints `{expiry}:{participant}` usernames and
HMAC-SHA1 passwords with the same `static-auth-secret` (docs/deploy.md).
Loopback peers are allowed because the SFU nodes under test listen on
127.0.0.1; a real relay must keep that off.
"""
from __future__ import annotations

import random
import shutil
import socket
import uuid
from pathlib import Path

import pytest

from .env import free_port
from .process import LoggedProcess


class Coturn(LoggedProcess):
    def __init__(self, tmp_path: Path):
        binary = shutil.which("turnserver")
        if binary is None:
            pytest.fail("turnserver not found: scripts/test installs Debian's coturn package")
        self.secret = "e2e-turn-" + uuid.uuid4().hex
        self.port = free_port(socket.SOCK_DGRAM)
        relay_base = random.randrange(41000, 59000, 200)
        super().__init__(
            [binary, "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", f"--listening-port={self.port}",
             f"--min-port={relay_base}", f"--max-port={relay_base + 199}", "--use-auth-secret",
             f"--static-auth-secret={self.secret}", "--realm=meet.test", "--allow-loopback-peers", "--no-cli",
             "--no-tls", "--no-dtls", "--fingerprint", "--log-file=stdout", "--simple-log", "--verbose",
             f"--pidfile={tmp_path / 'coturn.pid'}", f"--userdb={tmp_path / 'coturn.db'}"],
            tmp_path / "coturn.log", name="turnserver")
        self.wait_ready(self._listening, 20, f"listening on {self.port}")

    @property
    def urls(self) -> list[str]:
        """The relay over UDP and over TCP (for networks that block UDP)."""
        return [f"turn:127.0.0.1:{self.port}?transport=udp", f"turn:127.0.0.1:{self.port}?transport=tcp"]

    def _listening(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1):
            return True

    def stop(self) -> None:
        self.end()
        self.close_log()
