"""A meet-recorder process for a `Stack` (docs/dev/recording.md), sharing its
database, Redis and key prefix, writing under the test's tmp_path."""
from __future__ import annotations

import urllib.request
import uuid
from pathlib import Path

from .stack import Service, Stack


def start_recorder(stack: Stack, tmp_path: Path, ws_replica: int | list[int] | None = 0,
                   extra_env: dict | None = None, name: str = "meet-recorder") -> Service:
    """Starts meet-recorder and adds it to the stack's processes; its id is
    `recorder_id`. `ws_replica`: the meet-ws replica (or replicas, tried in
    turn) it joins meetings on (`MEET_RECORDER_WS_URL`; the stack's meet-api
    advertises a placeholder URL, and a job started over WS carries none);
    None leaves it unset. `extra_env` adds settings (S3 storage, the
    composite with `MEET_RECORDING_COMPOSITE=true`, say). `name`
    names its log (two recorders of one test need two names)."""
    recorder_id = "e2e-rec-" + uuid.uuid4().hex[:6]
    env = {**stack.common_env, "MEET_RECORDER_ID": recorder_id, "MEET_RECORDING_DIR": str(tmp_path / "recordings"),
           "MEET_RECORDER_MEDIA_HOST": "127.0.0.1",
           # Off unless a test is about it: the composite is listed a while
           # after `stopped`, which the per-track tests' file counts do not expect.
           "MEET_RECORDING_COMPOSITE": "false"}
    if ws_replica is not None:
        replicas = ws_replica if isinstance(ws_replica, list) else [ws_replica]
        env["MEET_RECORDER_WS_URL"] = ",".join(stack.ws_url(r) for r in replicas)
    env.update(extra_env or {})
    process = Service("meet-recorder", name, tmp_path, env)
    process.recorder_id = recorder_id
    stack.processes.append(process)
    return process


def metric(service: Service, name: str) -> float:
    """A counter or gauge from a service's /metrics (0 when not exported yet)."""
    with urllib.request.urlopen(service.base_url + "/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


def recording_row(stack: Stack, owner: str, recording: str) -> dict:
    """`GET /v1/recordings/{recording}` as `owner`."""
    return stack.rest.call("GET", f"/v1/recordings/{recording}", token=owner)


def stored_in(stack: Stack, owner: str, recording: str, storage: str) -> dict | None:
    """The recording's row once it is stopped and every file of it is in `storage` (`directory`, `s3`), else None."""
    row = recording_row(stack, owner, recording)
    files = row.get("files") or []
    return row if row["status"] == "stopped" and files and all(f["storage"] == storage for f in files) else None
