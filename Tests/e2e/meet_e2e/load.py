"""Running meet-load (Tools/MeetLoad) against a `Stack`: the smoke test and
scripts/bench-load share it."""
from __future__ import annotations

import json
import subprocess

from .env import binary
from .stack import Stack


def meet_load_command(stack: Stack, *args: str) -> list[str]:
    """meet-load's argv against `stack`: its meet-api and every meet-ws replica, JSON out."""
    command = [str(binary("meet-load")), "--api", stack.api.base_url, "--json", "--bind", "127.0.0.1"]
    for index in range(len(stack.replicas)):
        command += ["--ws", stack.ws_url(index)]
    return command + list(args)


def run_meet_load(stack: Stack, *args: str, timeout: float) -> tuple[dict, str]:
    """Runs meet-load to the end (killed after `timeout` seconds); its JSON
    report and its stderr (progress lines and warnings)."""
    result = subprocess.run(meet_load_command(stack, *args), capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"meet-load exited with {result.returncode}:\n{result.stderr[-5000:]}"
    return json.loads(result.stdout), result.stderr
