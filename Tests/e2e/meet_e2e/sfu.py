"""One meet-sfu node as a process, and the Redis bus spoken from Python.

`SFUNode` runs one `meet-sfu` process (binary from `$MEET_BIN_DIR`, default
`.build/debug`) on free loopback ports against the test Redis
(`MEET_TEST_REDIS_URL`, set by scripts/test). `BusClient` speaks the Redis
bus exactly as the Swift `BusEndpoint` does: a request is a JSON envelope
`{"kind":"request","type":…,"id":…,"replyTo":INBOX,"from":INBOX,"body":{…}}`
PUBLISHed to the node's inbox `sfu:{nodeId}`; the answer comes back on
INBOX as `{"kind":"reply"|"error","type":…,"id":…,"from":…,"body":{…}}`.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import redis
import redis.asyncio as aioredis

from .env import binary, free_port, redis_url_from_env
from .process import LoggedProcess
from .waiting import block_until


class SFUNode(LoggedProcess):
    """A running meet-sfu process."""

    def __init__(self, tmp_path: Path, redis_url: str, name: str = "meet-sfu", extra_env: dict | None = None):
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
        super().__init__([str(binary("meet-sfu"))], tmp_path / f"{name}.log", env, name=name)
        self.wait_ready(lambda: self.http_status("/healthz") == 200, 30, "answering /healthz")

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
    return block_until(lambda: read_record(node), timeout, f"{node.record_key} in Redis", details=node.log)


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
