"""meet-api keeps its spec: schemathesis against docs/openapi.yaml.

Starts one meet-api (meet_e2e.stack.Service) against the PostgreSQL of
scripts/test, registers a user, and runs `st run` with every check
(`--checks all`: status codes, content types, response schemas and headers,
negative data rejected, positive data accepted, 405 with Allow for
undeclared methods, use after free, ignored auth, …) over all four phases
(examples, coverage, fuzzing, and stateful, which follows the links between
operations that schemathesis infers from the spec), with the user's bearer
token on every request, and the settings in schemathesis.toml (410 for an
ended meeting counts as an expected answer). The run is bounded
(`--max-examples` 100, a fixed `--seed`, so it is repeatable; about 30 s) and
must report zero failures. MEET_SCHEMA_SEED and MEET_SCHEMA_MAX_EXAMPLES
explore further (seeds 1-13 pass).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest

from meet_e2e.env import REPO_ROOT, WEB_DIR, database_url_from_env
from meet_e2e.stack import Service

SPEC = REPO_ROOT / "docs" / "openapi.yaml"
CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"
MAX_EXAMPLES = int(os.environ.get("MEET_SCHEMA_MAX_EXAMPLES", "100"))
SEED = os.environ.get("MEET_SCHEMA_SEED", "13")


def schemathesis_cli() -> Path:
    path = Path(sys.executable).parent / "st"
    if not path.exists():
        pytest.fail(f"schemathesis is not installed next to {sys.executable} (Tests/e2e/requirements.txt)")
    return path


@pytest.fixture
def api(tmp_path: Path):
    env = {
        "MEET_ENV": "development",
        "MEET_LOG_FORMAT": "text",
        "MEET_LOG_LEVEL": os.environ.get("MEET_LOG_LEVEL", "info"),
        "MEET_DATABASE_URL": database_url_from_env(),
        "MEET_JWT_SECRET": "schema-secret-" + uuid.uuid4().hex + uuid.uuid4().hex,
        "MEET_BCRYPT_COST": "4",
        # schemathesis sends thousands of requests from one address within a minute.
        "MEET_AUTH_RATE_LIMIT_PER_ADDRESS": "1000000",
        "MEET_AUTH_RATE_LIMIT_PER_EMAIL": "1000000",
        "MEET_AUTH_RATE_LIMIT_PER_EMAIL_GLOBAL": "1000000",
        "MEET_GUEST_JOIN_RATE_LIMIT_PER_ADDRESS": "1000000",
        "MEET_GUEST_JOIN_RATE_LIMIT_PER_MEETING": "1000000",
        "MEET_WEB_DIR": str(WEB_DIR),
        "MEET_PUBLIC_WS_URL": "ws://127.0.0.1:1/v1/ws",
    }
    service = Service("meet-api", "meet-api", tmp_path, env)
    yield service
    service.stop()


def register(base_url: str) -> str:
    body = json.dumps({
        "email": f"schema-{uuid.uuid4().hex}@example.com", "password": "correct horse battery", "displayName": "Schema",
    }).encode()
    request = urllib.request.Request(base_url + "/v1/auth/register", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["accessToken"]


def test_meet_api_keeps_its_spec(api, tmp_path: Path):
    token = register(api.base_url)
    report = tmp_path / "schemathesis.json"
    command = [
        str(schemathesis_cli()), "--config-file", str(CONFIG), "run", str(SPEC),
        "--url", api.base_url,
        "--checks", "all",
        "--phases", "examples,coverage,fuzzing,stateful",
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", SEED,
        # One worker: hypothesis parses lambdas with ast, which is not thread-safe on CPython 3.11.
        "--workers", "1",
        "--request-timeout", "10",
        "--generation-database", "none",
        "--header", f"Authorization: Bearer {token}",
        "--report", "json", "--report-json-path", str(report),
        "--no-color",
    ]
    try:
        run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=240)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"schemathesis did not finish within 240 s:\n{error.stdout or ''}\n{api.log()[-5000:]}")
    output = run.stdout + run.stderr
    print(output[-20000:])
    assert run.returncode == 0, f"schemathesis reported failures (exit {run.returncode}):\n{output[-15000:]}"
