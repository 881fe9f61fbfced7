"""Stopping and starting the test PostgreSQL and Redis, for the recovery tests.

scripts/test starts both as private servers and exports their data
directories (`MEET_TEST_PG_DIR`, `MEET_TEST_REDIS_DIR`) beside their URLs.
These helpers stop and restart them on the same port with the same commands
scripts/lib/common.sh uses (`meet_redis_start/stop`, `meet_pg_start/stop`:
PostgreSQL's tools run as the `postgres` user when we are root), so a test
can take a dependency away and give it back. Redis runs without persistence:
a restart comes back empty, as in production without AOF/RDB.

Every `stop_*` is meant to be paired with its `start_*` in a `finally`, so a
failing test never leaves the servers down for the tests after it.
"""
from __future__ import annotations

import re

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import redis

from .waiting import block_until

from .env import REPO_ROOT
COMMON_SH = REPO_ROOT / "scripts" / "lib" / "common.sh"


def _env_dir(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: the recovery tests restart the test servers (scripts/test sets it)")
    if not Path(value).is_dir():
        pytest.fail(f"{name}={value} is not a directory")
    return value


def _common(function: str, *args: str, timeout: float = 60) -> None:
    """Runs one function of scripts/lib/common.sh."""
    script = f'source "{COMMON_SH}" && {function} "$@"'
    result = subprocess.run(["bash", "-c", script, "_", *args], capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{function} {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def _port_of(url: str) -> int:
    port = urllib.parse.urlsplit(url).port
    if port is None:
        pytest.fail(f"no port in {url}")
    return port


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class RedisControl:
    """The Redis of scripts/test (`MEET_TEST_REDIS_URL`, `MEET_TEST_REDIS_DIR`)."""

    def __init__(self) -> None:
        self.url = os.environ.get("MEET_TEST_REDIS_URL") or pytest.fail("MEET_TEST_REDIS_URL is not set")
        self.dir = _env_dir("MEET_TEST_REDIS_DIR")
        self.port = _port_of(self.url)

    def stop(self, timeout: float = 30) -> None:
        """Stops the server (SIGTERM by its pid file) and waits until its port is closed."""
        _common("meet_redis_stop", self.dir)
        deadline = time.monotonic() + timeout
        while _port_open(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis on port {self.port} did not stop within {timeout}s")
            time.sleep(0.05)

    def start(self) -> None:
        """Starts it again on the same port and directory (empty: no persistence)."""
        _common("meet_redis_start", self.dir, str(self.port))

    def _pid(self) -> int:
        return int((Path(self.dir) / "redis.pid").read_text().strip())

    def freeze(self) -> None:
        """SIGSTOP: Redis hangs with its data and its sockets open (a stuck or
        partitioned Redis looks the same to clients); its clock keeps running."""
        os.kill(self._pid(), signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT after `freeze`: Redis runs every command queued meanwhile."""
        os.kill(self._pid(), signal.SIGCONT)


class PubSubCutter:
    """Closes every pub/sub connection of the test Redis (`CLIENT KILL TYPE
    pubsub`) every few milliseconds, from a thread, while in its `with`
    block: the command connections stay up, the subscriptions keep being
    lost. That is the moment after a Redis restart when a process's command
    connection is back and its pub/sub connection is not yet, held open."""

    def __init__(self, server: RedisControl, every: float = 0.005) -> None:
        import threading

        self.client = redis.Redis.from_url(server.url, socket_timeout=2)
        self.every = every
        self.kills = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.kills += int(self.client.execute_command("CLIENT", "KILL", "TYPE", "pubsub"))
            except redis.exceptions.RedisError:
                pass
            self._stop.wait(self.every)

    def __enter__(self) -> "PubSubCutter":
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.client.close()


class PostgresControl:
    """The PostgreSQL of scripts/test (`MEET_TEST_DATABASE_URL`, `MEET_TEST_PG_DIR`)."""

    def __init__(self) -> None:
        self.url = os.environ.get("MEET_TEST_DATABASE_URL") or pytest.fail("MEET_TEST_DATABASE_URL is not set")
        self.dir = _env_dir("MEET_TEST_PG_DIR")
        self.port = _port_of(self.url)

    def stop(self) -> None:
        """`pg_ctl stop -m fast -w`: open sessions are terminated, the port closes."""
        _common("meet_pg_stop", self.dir)
        if _port_open(self.port):
            raise RuntimeError(f"PostgreSQL still listens on {self.port} after pg_ctl stop")

    def start(self) -> None:
        """`pg_ctl start -w` on the same directory and port: the data is all there."""
        _common("meet_pg_start", self.dir, str(self.port))


def http_get(url: str, timeout: float = 10) -> tuple[int, dict]:
    """GET with a client timeout: (status, JSON body or {}). A timeout raises."""
    return http_call("GET", url, timeout=timeout)


def http_call(method: str, url: str, body: dict | None = None, token: str | None = None,
              timeout: float = 10) -> tuple[int, dict]:
    """Any REST call with a client timeout: (status, JSON body or {})."""
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw) if raw else {}
    except ValueError:
        return status, {"raw": raw[:200].decode(errors="replace")}


def poll(predicate, timeout: float, what: str, interval: float = 0.2):
    """`block_until` where any exception counts as "not yet" (a refused
    connection while a server restarts); the last one is named in the failure."""
    return block_until(predicate, timeout, what, interval=interval, retry_on=(Exception,))


async def until_accepted(signal, type_: str, data: dict | None, within: float, what: str,
                         refused: tuple[str, ...] = ("unavailable",), timeout: float = 20) -> dict:
    """Sends the request again (every 0.2 s) while it is refused with one of
    `refused`, until it is accepted (its reply is returned) or `within`
    seconds have passed (a failure naming `what`). Any other error fails."""
    import asyncio

    from .signaling import SignalError

    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            return await signal.request(type_, data, timeout=timeout)
        except SignalError as error:
            assert error.code in refused, error
            assert asyncio.get_running_loop().time() < deadline, f"{what}: still refused after {within} s"
            await asyncio.sleep(0.2)


def presence_ids(meeting_id: str) -> set[str]:
    """Participant ids in the meeting's presence hash (whatever the stack's key
    prefix). The client waits at most 5 s per command: right after a thawed
    freeze Redis may still be working through what queued meanwhile."""
    client = redis.Redis.from_url(RedisControl().url, socket_timeout=5)
    try:
        ids: set[str] = set()
        for key in client.scan_iter(match=f"*presence:{meeting_id.lower()}"):
            ids |= {field.decode() for field in client.hkeys(key)}
        return ids
    finally:
        client.close()


def ensure_redis_up(server: RedisControl) -> None:
    """Starts the test Redis again if a failed test left it stopped."""
    client = redis.Redis.from_url(server.url, socket_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        server.start()
    finally:
        client.close()


def ensure_postgres_up(server: PostgresControl) -> None:
    """Starts the test PostgreSQL again if a failed test left it stopped."""
    if not _port_open(server.port):
        server.start()


def outage_stack(tmp_path, request, ws_env: dict):
    """The body of the outage tests' `stack` fixture: the whole stack with
    `ws_env` on every meet-ws replica, its logs printed when the test failed."""
    from .stack import Stack

    running = Stack(tmp_path, ws_env=ws_env)
    yield running
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        print(running.logs())
    running.stop()


# Shorter than the Redis request timeout (5 s) that each request used to wait out.
FAST = 2.5


def gauge_is_one(base_url: str, pattern: str) -> bool:
    """Whether the /metrics line matching `pattern` (a regex up to the value) reads 1."""
    with urllib.request.urlopen(base_url + "/metrics", timeout=5) as response:
        text = response.read().decode()
    match = re.search("^" + pattern + r" (\S+)$", text, re.MULTILINE)
    return match is not None and float(match.group(1)) == 1
