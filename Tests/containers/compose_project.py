"""The compose stack that scripts/test-containers started, seen from the tests.

`ComposeProject` runs docker-compose against the podman API socket
(`DOCKER_HOST`) for the project scripts/test-containers brought up
(`MEET_COMPOSE_PROJECT`, `MEET_COMPOSE_FILE`: one file, or several
separated by `:` as in `COMPOSE_FILE`), and reads the containers'
state with `podman inspect`: their service label, status, health and exit
code. Nothing here names a service list: the tests see whatever services the
compose file starts, so a new service only has to become healthy.

`ComposeStack` is what `meet_e2e.mover.Mover` needs of a stack (a REST
client and the signaling URLs), pointing at the published ports: REST on
127.0.0.1:8080 and one signaling entry point, ws-proxy on :8081.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from meet_e2e.stack import Rest
from meet_e2e.waiting import block_until


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run these tests through scripts/test-containers")
    return value


class ComposeProject:
    def __init__(self, project: str, compose_files: list[Path], up_started: float):
        self.project = project
        self.files = compose_files
        self.up_started = up_started

    @classmethod
    def from_env(cls) -> "ComposeProject":
        return cls(_env("MEET_COMPOSE_PROJECT"), [Path(f) for f in _env("MEET_COMPOSE_FILE").split(":")],
                   float(_env("MEET_COMPOSE_UP_STARTED")))

    def compose(self, *args: str, timeout: float = 120) -> str:
        """Runs `docker-compose -p PROJECT -f FILE… ARGS…` and returns its output; fails on a non-zero exit."""
        files = [arg for f in self.files for arg in ("-f", str(f))]
        result = subprocess.run(["docker-compose", "-p", self.project, *files, *args],
                                capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, f"docker-compose {' '.join(args)}: {result.returncode}\n{result.stderr}"
        return result.stdout + result.stderr

    def containers(self) -> dict[str, dict]:
        """Service name → the `podman inspect` record of its container (one per service here)."""
        ids = subprocess.run(["podman", "ps", "-a", "-q", "--filter", f"label=com.docker.compose.project={self.project}"],
                             capture_output=True, text=True, timeout=30, check=True).stdout.split()
        if not ids:
            return {}
        records = json.loads(subprocess.run(["podman", "inspect", *ids], capture_output=True, text=True,
                                            timeout=30, check=True).stdout)
        return {r["Config"]["Labels"]["com.docker.compose.service"]: r for r in records}

    @staticmethod
    def state(record: dict) -> str:
        """`healthy`/`unhealthy`/`starting` for a running container with a health check,
        `running` for one without, else its status (`exited`, …)."""
        status = record["State"]["Status"]
        if status != "running":
            return status
        health = (record["State"].get("Health") or record["State"].get("Healthcheck") or {}).get("Status", "")
        return health or "running"

    def states(self) -> dict[str, str]:
        return {service: self.state(record) for service, record in self.containers().items()}

    def wait_healthy(self, timeout: float) -> dict[str, str]:
        """Waits until every container is running and, where it has a health check, healthy."""
        def all_good() -> dict[str, str] | None:
            states = self.states()
            return states if states and all(s in ("healthy", "running") for s in states.values()) else None

        return block_until(all_good, timeout, f"every service of {self.project} healthy", interval=1,
                           details=lambda: f"states: {self.states()}\n{self.logs(tail=30)}")

    def service_of_node(self, node_id: str) -> str:
        """The service whose container runs the meet-sfu with MEET_NODE_ID=`node_id`."""
        for service, record in self.containers().items():
            if f"MEET_NODE_ID={node_id}" in (record["Config"].get("Env") or []):
                return service
        pytest.fail(f"no service runs node {node_id}: {list(self.containers())}")

    def exit_code(self, service: str) -> int:
        return self.containers()[service]["State"]["ExitCode"]

    def logs(self, service: str | None = None, tail: int = 60) -> str:
        args = ["logs", "--no-color", f"--tail={tail}"] + ([service] if service else [])
        try:
            return self.compose(*args, timeout=60)
        except AssertionError as error:
            return str(error)


class ComposeStack:
    """The published entry points, in the shape `Mover.join` expects of a `Stack`."""

    def __init__(self, api_url: str = "http://127.0.0.1:8080", ws_url: str = "ws://127.0.0.1:8081/v1/ws"):
        self.rest = Rest(api_url)
        self._ws_url = ws_url
        # One entry point (ws-proxy): a Mover resuming after a lost socket reconnects there.
        self.replicas = [ws_url]

    def ws_url(self, replica: int) -> str:
        return self._ws_url
