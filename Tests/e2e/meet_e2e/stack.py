"""The whole Meet stack as local processes, and a client of its REST API.

`Stack` starts `meet-api`, two `meet-ws` replicas and two `meet-sfu` nodes on
free loopback ports against the PostgreSQL and Redis of scripts/test
(`MEET_TEST_DATABASE_URL`, `MEET_TEST_REDIS_URL`), with placement hints on so
a test can put publishers on chosen nodes. `Rest` is a small client of the
REST API (docs/openapi.yaml); the WebSocket side is `signaling.Signal`.
"""
from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from .env import binary, database_url_from_env, free_port, redis_url_from_env
from .process import LoggedProcess
from .sfu import SFUNode


class Service(LoggedProcess):
    """One meet-api or meet-ws process, ready once `/readyz` answers 200."""

    log_tail_chars = 15000

    def __init__(self, product: str, name: str, tmp_path: Path, env: dict):
        path = binary(product)
        self.port = free_port(socket.SOCK_STREAM)
        self.base_url = f"http://127.0.0.1:{self.port}"
        full_env = dict(os.environ)
        full_env.update(env)
        full_env["MEET_HTTP_HOST"] = "127.0.0.1"
        full_env["MEET_HTTP_PORT"] = str(self.port)
        super().__init__([str(path)], tmp_path / f"{name}.log", full_env, name=name)
        self.wait_ready(self._ready, 60, "/readyz answering 200")

    def _ready(self) -> bool:
        with urllib.request.urlopen(self.base_url + "/readyz", timeout=2) as response:
            return response.status == 200

    def stop(self) -> None:
        self.end()
        self.close_log()


class Stack:
    """meet-api, two meet-ws replicas, two (or more) meet-sfu nodes.

    `node_env` and `ws_env` add settings to every node or replica (e.g. a
    short `MEET_SFU_DRAIN_TIMEOUT`), `api_env` to meet-api; `add_node()` starts one more node later.
    """

    def __init__(self, tmp_path: Path, ws_replicas: int = 2, sfu_nodes: int = 2,
                 node_env: dict | None = None, ws_env: dict | None = None, api_env: dict | None = None):
        redis_url = redis_url_from_env()
        common = {
            "MEET_ENV": "development",
            "MEET_LOG_FORMAT": "text",
            "MEET_LOG_LEVEL": os.environ.get("MEET_LOG_LEVEL", "info"),
            "MEET_DATABASE_URL": database_url_from_env(),
            "MEET_REDIS_URL": redis_url,
            "MEET_JWT_SECRET": "e2e-secret-" + uuid.uuid4().hex + uuid.uuid4().hex,
            "MEET_BCRYPT_COST": "4",
            "MEET_AUTH_RATE_LIMIT_PER_ADDRESS": "100000",
            "MEET_AUTH_RATE_LIMIT_PER_EMAIL": "1000",
            # Every test joins guests from 127.0.0.1, through one shared Redis.
            "MEET_GUEST_JOIN_RATE_LIMIT_PER_ADDRESS": "100000",
            "MEET_GUEST_JOIN_RATE_LIMIT_PER_MEETING": "100000",
            "MEET_WS_KEY_PREFIX": "e2e-" + uuid.uuid4().hex[:8],
            "MEET_WS_PLACEMENT_HINTS": "true",
        }
        self.processes: list = []
        self._tmp_path = tmp_path
        self._redis_url = redis_url
        self._node_env = dict(node_env or {})
        self.database_url = common["MEET_DATABASE_URL"]
        # What another service of this stack (meet-recorder) must share with it.
        self.common_env = dict(common)
        try:
            self.api = Service("meet-api", "meet-api", tmp_path, {**common, "MEET_PUBLIC_WS_URL": "ws://127.0.0.1:1/v1/ws",
                                                                  **(api_env or {})})
            self.processes.append(self.api)
            self.nodes = []
            for _ in range(sfu_nodes):
                self.add_node()
            self.replicas = []
            for index in range(ws_replicas):
                replica = Service("meet-ws", f"meet-ws-{index + 1}", tmp_path,
                                  {**common, **(ws_env or {}),
                                   "MEET_WS_REPLICA_ID": f"e2e-ws-{index + 1}-{uuid.uuid4().hex[:4]}"})
                self.replicas.append(replica)
                self.processes.append(replica)
        except Exception:
            self.stop()
            raise
        self.rest = Rest(self.api.base_url)

    def add_node(self, extra_env: dict | None = None) -> SFUNode:
        """Starts one more meet-sfu node (named by its position), with `extra_env` over `node_env`."""
        node = SFUNode(self._tmp_path, self._redis_url, name=f"meet-sfu-{len(self.nodes) + 1}",
                       extra_env={**self._node_env, **(extra_env or {})})
        self.nodes.append(node)
        self.processes.append(node)
        return node

    def ws_url(self, replica: int) -> str:
        return f"ws://127.0.0.1:{self.replicas[replica].port}/v1/ws"

    def logs(self) -> str:
        return "\n".join(f"---- {p.name} (tail) ----\n{p.log()}" for p in self.processes)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


class Rest:
    """The few REST calls the end-to-end tests need."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None, expect: int = 200) -> dict:
        request = urllib.request.Request(self.base_url + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        assert status == expect, f"{method} {path}: {status} {raw[:500]!r}"
        return json.loads(raw) if raw else {}

    def fetch(self, path: str, token: str | None = None, headers: dict | None = None):
        """(status, headers, body) of a GET, whatever the status or content type (downloads)."""
        request = urllib.request.Request(self.base_url + path)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def register(self, name: str) -> str:
        body = {"email": f"e2e-{uuid.uuid4().hex}@example.com", "password": "correct horse battery", "displayName": name}
        return self.call("POST", "/v1/auth/register", body, expect=201)["accessToken"]

    def create_meeting(self, token: str, waiting_room: bool = False) -> str:
        return self.call("POST", "/v1/meetings", {"title": "e2e", "waitingRoom": waiting_room}, token, expect=201)["code"]

    def join(self, code: str, token: str | None = None, guest_name: str | None = None) -> dict:
        body = {"displayName": guest_name} if guest_name else {}
        return self.call("POST", f"/v1/meetings/{code}/join", body, token)
