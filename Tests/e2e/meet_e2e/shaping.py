"""A shaped link for congestion tests: a network namespace joined to this one by a veth pair.

`ShapedLink` makes the namespace (`ip netns`), the veth pair (host side
10.207.N.1, namespace side 10.207.N.2) and shapes what flows from the host
into the namespace with `tc tbf` on the host side (`rate(kbit)`; `None` takes
the shaping off). netem is not in this kernel (docs/benchmarks.md), so the
link only limits the rate: a 200 ms queue, then drops, like a real
bottleneck. Only the downlink is shaped (what a subscriber receives); what
the namespace sends (feedback, signaling) is not.

A Chromium in the namespace (`MeetBrowser(..., link=...)`: its binary is
`ip netns exec NS chromium`, and ChromeDriver talks to it over a pipe, not a
port) reaches media on the host-side address, so the meet-sfu node must
advertise it and bind beyond loopback (`MEET_SFU_PUBLIC_IP=link.host_address`,
`MEET_SFU_UDP_HOST=0.0.0.0`: the e2e node helper binds 127.0.0.1); browsers
outside the namespace reach the same address locally, unshaped. HTTP and WebSocket (meet-api, meet-ws on 127.0.0.1) are
forwarded: `forward_tcp(port)` listens on 127.0.0.1:port inside the
namespace and connects to 127.0.0.1:port here, so the namespaced browser
uses the same URLs (and 127.0.0.1 stays a secure context for getUserMedia).
Signaling thus bypasses the shaping; only media (UDP) crosses the veth.

Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN for setns) and `ip`/`tc` (iproute2).
"""
from __future__ import annotations

import asyncio
import ctypes
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"setns: {os.strerror(error)}")


def _run(*command: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=20)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {result.stderr.strip()}")


def _dropped(statistics: str) -> int:
    """The drop count in `tc -s qdisc show` output (" Sent 1234 bytes 10 pkt (dropped 3, overlimits …")."""
    match = re.search(r"\(dropped (\d+),", statistics)
    return int(match.group(1)) if match else 0


def available() -> str | None:
    """None when a shaped link can be made here, else why not."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, tc)"
    for tool in ("ip", "tc"):
        if not shutil.which(tool):
            return f"needs {tool} (apt-get install iproute2)"
    return None


class ShapedLink:
    """A namespace behind a veth pair whose host → namespace direction `rate()` shapes."""

    def __init__(self):
        tag = f"{os.getpid() % 10000}{os.urandom(1).hex()}"
        self.namespace = f"meet-shaped-{tag}"
        self.host_side = f"msh{tag}"[:15]
        self.namespace_side = f"msn{tag}"[:15]
        subnet = self._free_subnet()
        self.host_address = f"10.207.{subnet}.1"
        self.namespace_address = f"10.207.{subnet}.2"
        self.current_kbit: int | None = None
        self._forward_thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._work = Path(tempfile.mkdtemp(prefix="meet-shaped-"))
        self._made = False
        try:
            _run("ip", "netns", "add", self.namespace)
            self._made = True
            _run("ip", "link", "add", self.host_side, "type", "veth", "peer", "name", self.namespace_side)
            _run("ip", "link", "set", self.namespace_side, "netns", self.namespace)
            _run("ip", "addr", "add", f"{self.host_address}/30", "dev", self.host_side)
            _run("ip", "link", "set", self.host_side, "up")
            self.exec("ip", "addr", "add", f"{self.namespace_address}/30", "dev", self.namespace_side)
            self.exec("ip", "link", "set", self.namespace_side, "up")
            self.exec("ip", "link", "set", "lo", "up")
        except Exception:
            self.close()
            raise
        # The browser binary ChromeDriver starts: Chromium inside the namespace.
        self.chromium = self._work / "chromium-in-namespace"
        chromium = os.environ.get("MEET_CHROMIUM", "/usr/bin/chromium")
        self.chromium.write_text(f"#!/bin/sh\nexec ip netns exec {self.namespace} {chromium} \"$@\"\n")
        self.chromium.chmod(0o755)

    @staticmethod
    def _free_subnet() -> int:
        used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True).stdout
        for candidate in [os.getpid() % 250, *range(250)]:
            if f"10.207.{candidate}." not in used:
                return candidate
        raise RuntimeError("no free 10.207.N.0/30 subnet for the shaped link")

    def exec(self, *command: str) -> None:
        _run("ip", "netns", "exec", self.namespace, *command)

    def rate(self, kbit: int | None) -> None:
        """Shapes host → namespace to `kbit` kbit/s (token bucket, 200 ms of queue); None: unshaped."""
        if self.current_kbit is not None:
            _run("tc", "qdisc", "del", "dev", self.host_side, "root")
        self.current_kbit = None
        if kbit is None:
            return
        # Burst: at least a few full packets, else a 150 kbit/s bucket could not pass a 1200-byte one.
        burst = max(4 * 1500, kbit * 1000 // 8 // 50)
        _run("tc", "qdisc", "add", "dev", self.host_side, "root", "tbf", "rate", f"{kbit}kbit",
             "burst", str(burst), "latency", "200ms")
        self.current_kbit = kbit

    def uplink_rate(self, kbit: int, latency_ms: int = 20) -> None:
        """Shapes namespace → host (what a browser in the namespace sends: a publisher's uplink) to
        `kbit` kbit/s with `latency_ms` of queue, so that a burst over the rate is dropped: loss for
        the node to NACK. Stays until the link is closed."""
        burst = max(4 * 1500, kbit * 1000 // 8 // 50)
        self.exec("tc", "qdisc", "add", "dev", self.namespace_side, "root", "tbf", "rate", f"{kbit}kbit",
                  "burst", str(burst), "latency", f"{latency_ms}ms")

    def uplink_dropped_packets(self) -> int:
        """Packets the uplink shaping (`uplink_rate`) dropped so far."""
        out = subprocess.run(["ip", "netns", "exec", self.namespace, "tc", "-s", "qdisc", "show", "dev",
                              self.namespace_side], capture_output=True, text=True).stdout
        return _dropped(out)

    def sent_bytes(self) -> int:
        """Bytes the host side has sent into the namespace (what crossed the shaped direction)."""
        return int(Path(f"/sys/class/net/{self.host_side}/statistics/tx_bytes").read_text())

    def dropped_packets(self) -> int:
        """Packets the shaping dropped so far (tc's count for the current qdisc)."""
        if self.current_kbit is None:
            return 0
        out = subprocess.run(["tc", "-s", "qdisc", "show", "dev", self.host_side],
                             capture_output=True, text=True).stdout
        return _dropped(out)

    # MARK: TCP forwarding into the namespace

    def forward_tcp(self, *ports: int) -> None:
        """Listens on 127.0.0.1:port inside the namespace for each port; connects to 127.0.0.1:port here."""
        ready = threading.Event()
        failure: list[BaseException] = []
        self._forward_thread = threading.Thread(target=self._serve, args=(ports, ready, failure), daemon=True,
                                                name="shaped-link-forward")
        self._forward_thread.start()
        if not ready.wait(10):
            raise RuntimeError("the shaped link's forwarder did not start")
        if failure:
            raise failure[0]

    def _serve(self, ports, ready: threading.Event, failure: list) -> None:
        # setns changes this thread only: the listeners are made inside the namespace,
        # the thread then returns home so that its outgoing connections start here.
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        inside = os.open(f"/run/netns/{self.namespace}", os.O_RDONLY)
        listeners = []
        try:
            _setns(inside)
            try:
                for port in ports:
                    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    listener.bind(("127.0.0.1", port))
                    listener.listen(64)
                    listener.setblocking(False)
                    listeners.append((listener, port))
            finally:
                _setns(home)
            self._loop = asyncio.new_event_loop()
            for listener, port in listeners:
                self._loop.run_until_complete(asyncio.start_server(self._connection(port), sock=listener))
        except BaseException as error:  # reported to forward_tcp's caller
            failure.append(error)
            ready.set()
            return
        finally:
            os.close(home)
            os.close(inside)
        ready.set()
        self._loop.run_forever()

    @staticmethod
    def _connection(port: int):
        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                writer.close()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                upstream_reader, upstream_writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port), 10)
            except (OSError, asyncio.TimeoutError):
                writer.close()
                return
            await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))
        return handle

    def close(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._made:
            # Deleting the namespace deletes its veth end, and with it the pair and the qdisc.
            subprocess.run(["ip", "netns", "del", self.namespace], capture_output=True, timeout=20)
            subprocess.run(["ip", "link", "del", self.host_side], capture_output=True, timeout=20)
            self._made = False
        shutil.rmtree(self._work, ignore_errors=True)
