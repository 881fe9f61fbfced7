"""A WebSocket client on a bare TCP socket, for the tests that must do what
a library would not: write hand-made frames (bad UTF-8, a lone
continuation), write without ever reading, or stall the HTTP upgrade.

RFC 6455: client frames are masked (§5.3); a close frame's payload starts
with the 2-byte status code (§5.5.1).
"""
from __future__ import annotations

import base64
import json
import os
import socket
import struct
import threading
import time
from pathlib import Path

TEXT, BINARY, CONTINUATION, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA


def frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    """One masked client frame."""
    head = bytes([(0x80 if fin else 0) | opcode])
    length = len(payload)
    if length < 126:
        head += bytes([0x80 | length])
    elif length < 1 << 16:
        head += bytes([0x80 | 126]) + struct.pack("!H", length)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", length)
    mask = os.urandom(4)
    key = int.from_bytes((mask * (length // 4 + 1))[:length], "big") if length else 0
    masked = (int.from_bytes(payload, "big") ^ key).to_bytes(length, "big") if length else b""
    return head + mask + masked


def text(message: dict) -> bytes:
    return frame(TEXT, json.dumps(message).encode())


def upgrade(port: int, token: str, timeout: float = 10.0, receive_buffer: int | None = None) -> socket.socket:
    """Opens `/v1/ws?token=` and completes the upgrade; the socket is left
    positioned at the first frame. `receive_buffer` shrinks the socket's
    receive buffer (SO_RCVBUF, set before connecting so the window is
    small): a client that does not read then fills up in kilobytes, not
    megabytes."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(timeout)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET /v1/ws?token={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
    sock.sendall(request.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            raise ConnectionError(f"closed during the upgrade: {head!r}")
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


class FrameReader:
    """Reads server frames (unmasked) from a raw socket."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buffer = b""

    def _need(self, count: int, deadline: float) -> bytes | None:
        while len(self.buffer) < count:
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                if time.monotonic() >= deadline:
                    raise TimeoutError("no frame in time")
                continue
            except (ConnectionResetError, BrokenPipeError):
                return None
            if not chunk:
                return None
            self.buffer += chunk
        out, self.buffer = self.buffer[:count], self.buffer[count:]
        return out

    def next(self, timeout: float) -> tuple[int, bytes] | None:
        """(opcode, payload) of the next frame; None when the connection ended."""
        deadline = time.monotonic() + timeout
        head = self._need(2, deadline)
        if head is None:
            return None
        opcode, length = head[0] & 0x0F, head[1] & 0x7F
        if length == 126:
            raw = self._need(2, deadline)
            if raw is None:
                return None
            length = struct.unpack("!H", raw)[0]
        elif length == 127:
            raw = self._need(8, deadline)
            if raw is None:
                return None
            length = struct.unpack("!Q", raw)[0]
        payload = self._need(length, deadline) if length else b""
        if payload is None:
            return None
        return opcode, payload

    def message(self, type_: str, timeout: float) -> dict:
        """The next text message of `type_` (others are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.next(max(0.05, deadline - time.monotonic()))
            if got is None:
                raise ConnectionError(f"closed while waiting for {type_}")
            opcode, payload = got
            if opcode == TEXT and json.loads(payload).get("type") == type_:
                return json.loads(payload)

    def close_code(self, timeout: float) -> int | None:
        """Reads until the server's close frame and returns its code; None
        when the connection ended without one. TimeoutError if neither came."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.next(max(0.05, deadline - time.monotonic()))
            if got is None:
                return None
            opcode, payload = got
            if opcode == CLOSE:
                return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005


def joined(port: int, token: str, receive_buffer: int | None = None, timeout: float = 10.0) -> socket.socket:
    """A raw socket upgraded with `token` (see `upgrade`) whose `join` was answered `joined`."""
    sock = upgrade(port, token, receive_buffer=receive_buffer)
    sock.sendall(text({"type": "join", "id": "j"}))
    FrameReader(sock).message("joined", timeout=timeout)
    return sock


def connection_ended(sock: socket.socket, timeout: float) -> bool:
    """Whether the server ends the connection within `timeout` (reading and
    discarding whatever it sent before)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, min(1.0, deadline - time.monotonic())))
        try:
            if not sock.recv(1 << 20):
                return True
        except socket.timeout:
            continue
        except OSError:
            return True
    return False


def rss_bytes(pid: int) -> int:
    """Resident set size of `pid` (VmRSS in /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


class RSSSampler:
    """Samples a process's RSS every 50 ms in a thread; `peak` is the largest."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peak = rss_bytes(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, rss_bytes(self.pid))
            except (OSError, RuntimeError):
                return
            self._stop.wait(0.05)

    def __enter__(self) -> "RSSSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def flood(sock: socket.socket, seconds: float, body_chars: int = 3000,
          give_up=lambda: False, kind: str = "chat") -> tuple[int, float | None]:
    """Writes `chat` frames (or `ping`s) as fast as the socket takes them for
    up to `seconds` (or until `give_up()` holds), never reading. Returns the
    bytes written and, when the server closed the connection meanwhile,
    after how many seconds."""
    if kind == "ping":
        message = frame(TEXT, b'{"type":"ping","data":{}}')
    else:
        message = frame(TEXT, json.dumps({"type": "chat", "data": {"body": "x" * body_chars}}).encode())
    block = message * max(1, (1 << 20) // len(message))
    view = memoryview(block)
    sent = offset = 0
    start = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() < start + seconds and not give_up():
        try:
            count = sock.send(view[offset:])
        except socket.timeout:
            continue
        except OSError:
            return sent, time.monotonic() - start
        sent += count
        offset = (offset + count) % len(block)  # the block is whole frames: carry on mid-block
    return sent, None
