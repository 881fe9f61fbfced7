"""Helpers for the meet-sfu end-to-end tests.

`SFUNode` runs one `meet-sfu` process (binary from `$MEET_BIN_DIR`, default
`.build/debug`) on free loopback ports against the test Redis
(`MEET_TEST_REDIS_URL`, set by scripts/test). `BusClient` speaks the Redis
bus exactly as the Swift `BusEndpoint` does: a request is a JSON envelope
`{"kind":"request","type":…,"id":…,"replyTo":INBOX,"from":INBOX,"body":{…}}`
PUBLISHed to the node's inbox `sfu:{nodeId}`; the answer comes back on
INBOX as `{"kind":"reply"|"error","type":…,"id":…,"from":…,"body":{…}}`.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis

from process_support import LoggedProcess

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port(kind: int) -> int:
    """A port that is free on 127.0.0.1 right now, for TCP or UDP."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_url_from_env() -> str:
    url = os.environ.get("MEET_TEST_REDIS_URL")
    if not url:
        pytest.fail("MEET_TEST_REDIS_URL is not set: point it at a Redis for tests (scripts/test sets it)")
    return url


def sfu_binary() -> Path:
    bin_dir = Path(os.environ.get("MEET_BIN_DIR", REPO_ROOT / ".build" / "debug"))
    if not bin_dir.is_absolute():
        bin_dir = REPO_ROOT / bin_dir
    path = bin_dir / "meet-sfu"
    if not path.exists():
        pytest.fail(f"meet-sfu not found at {path}: build it with `swift build --product meet-sfu`")
    return path


class SFUNode(LoggedProcess):
    """A running meet-sfu process."""

    def __init__(self, tmp_path: Path, redis_url: str, name: str = "meet-sfu", extra_env: dict | None = None):
        self.name = name
        self.node_id = f"e2e-{uuid.uuid4().hex[:10]}"
        self.http_port = free_port(socket.SOCK_STREAM)
        self.udp_port = free_port(socket.SOCK_DGRAM)
        self.base_url = f"http://127.0.0.1:{self.http_port}"
        env = dict(os.environ)
        env.update({
            "MEET_ENV": "development",
            "MEET_LOG_LEVEL": env.get("MEET_LOG_LEVEL", "debug"),
            "MEET_REDIS_URL": redis_url,
            "MEET_NODE_ID": self.node_id,
            "MEET_HTTP_HOST": "127.0.0.1",
            "MEET_HTTP_PORT": str(self.http_port),
            "MEET_SFU_UDP_HOST": "127.0.0.1",
            "MEET_SFU_UDP_PORT": str(self.udp_port),
            "MEET_SFU_PUBLIC_IP": "127.0.0.1",
            "MEET_SFU_REGION": "e2e",
        })
        env.update(extra_env or {})
        super().__init__([str(sfu_binary())], tmp_path / f"{name}.log", env)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"meet-sfu exited with {self.process.returncode}:\n{self.log()}")
            try:
                if self.http_status("/healthz") == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"meet-sfu did not answer /healthz within {timeout}s:\n{self.log()}")

    def http_status(self, path: str) -> int:
        try:
            with urllib.request.urlopen(self.base_url + path, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def http_text(self, path: str) -> str:
        with urllib.request.urlopen(self.base_url + path, timeout=5) as response:
            return response.read().decode()

    @property
    def inbox(self) -> str:
        return f"sfu:{self.node_id}"

    @property
    def record_key(self) -> str:
        return f"sfu:node:{self.node_id}"

    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM (the node drains), and the exit status once it is gone."""
        return self.end(signal.SIGTERM, timeout)

    def stop(self) -> None:
        """SIGINT: a clean shutdown without the drain (close all, leave the registry)."""
        self.end(signal.SIGINT, 15)
        self.close_log()


def read_record(node: SFUNode) -> dict | None:
    """The node's registry record in the test Redis, or None."""
    client = redis.Redis.from_url(redis_url_from_env())
    try:
        raw = client.get(node.record_key)
        return json.loads(raw) if raw else None
    finally:
        client.close()


def first_record(node: SFUNode, timeout: float = 10) -> dict:
    """The node's registry record once it has written one (fails the test after `timeout` s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = read_record(node)
        if record is not None:
            return record
        time.sleep(0.1)
    pytest.fail(f"no {node.record_key} in Redis within {timeout} s:\n{node.log()}")


class BusError(Exception):
    """An `error` envelope: `code` and `message` from its body."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class BusClient:
    """Request/reply on the Redis bus from Python, with its own inbox."""

    def __init__(self, redis_url: str):
        self.redis = aioredis.from_url(redis_url)
        self.inbox = f"test:{uuid.uuid4().hex[:12]}"
        self.pubsub = self.redis.pubsub()

    async def start(self) -> None:
        await self.pubsub.subscribe(self.inbox)
        # The subscribe confirmation: replies can arrive from now on.
        while await self.pubsub.get_message(timeout=1.0) is None:
            pass

    async def request(self, to: str, type_: str, body: dict, timeout: float = 15.0) -> dict:
        request_id = str(uuid.uuid4()).upper()
        envelope = {
            "kind": "request", "type": type_, "id": request_id,
            "replyTo": self.inbox, "from": self.inbox, "body": body,
        }
        receivers = await self.redis.publish(to, json.dumps(envelope))
        assert receivers > 0, f"nobody listens on {to}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
            if message is None or message["type"] != "message":
                continue
            reply = json.loads(message["data"])
            if reply.get("id") != request_id:
                continue
            assert reply["type"] == type_
            if reply["kind"] == "error":
                raise BusError(reply["body"]["code"], reply["body"]["message"])
            assert reply["kind"] == "reply", reply
            return reply["body"]
        raise TimeoutError(f"no reply to {type_} from {to} within {timeout}s")

    async def close(self) -> None:
        await self.pubsub.unsubscribe(self.inbox)
        await self.pubsub.aclose()
        await self.redis.aclose()


async def wait_for(predicate, timeout: float, interval: float = 0.2) -> bool:
    """Polls an async predicate until it is true or the time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(interval)
    return False
