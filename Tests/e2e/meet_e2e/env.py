"""Where things are and what the environment gives the tests: the
repository's paths, the service binaries (`$MEET_BIN_DIR`, default
`.build/debug`), the PostgreSQL and Redis of scripts/test
(`MEET_TEST_DATABASE_URL`, `MEET_TEST_REDIS_URL`), and free loopback ports.
"""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
# The browser client meet-api serves (MEET_WEB_DIR).
WEB_DIR = REPO_ROOT / "Web"


def bin_dir() -> Path:
    """Where the built binaries are: `$MEET_BIN_DIR` (relative to the repository when not absolute)."""
    path = Path(os.environ.get("MEET_BIN_DIR", REPO_ROOT / ".build" / "debug"))
    return path if path.is_absolute() else REPO_ROOT / path


def binary(name: str) -> Path:
    """The path of a built product (`meet-api`, `meet-sfu`, …); fails the test when it is not built."""
    path = bin_dir() / name
    if not path.exists():
        pytest.fail(f"{name} not found at {path}: build it with `swift build --product {name}`")
    return path


def free_port(kind: int) -> int:
    """A port that is free on 127.0.0.1 right now, for TCP (SOCK_STREAM) or UDP (SOCK_DGRAM)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_url_from_env() -> str:
    url = os.environ.get("MEET_TEST_REDIS_URL")
    if not url:
        pytest.fail("MEET_TEST_REDIS_URL is not set: point it at a Redis for tests (scripts/test sets it)")
    return url


def database_url_from_env() -> str:
    url = os.environ.get("MEET_TEST_DATABASE_URL")
    if not url:
        pytest.fail("MEET_TEST_DATABASE_URL is not set: point it at a PostgreSQL for tests (scripts/test sets it)")
    return url
