"""pytest's hooks and shared fixtures for Tests/e2e.

The support code lives in the `meet_e2e` package beside this file (its
`__init__` lists the modules); this file only registers what pytest needs:
the `echo_server` fixture (a `meet-echo` per test, with its stage report
and log printed when the test failed), the `moto` fixture (moto's S3
server on loopback, for what Meet keeps in S3), the `sfu_node` fixture (one meet-sfu
against the test Redis, its log printed when the test failed), and the hook
that keeps each test's outcome on its item (`item.rep_call`), which
fixtures read through `meet_e2e.fixtures.failed`.
"""
from __future__ import annotations

import pytest

from meet_e2e import media  # noqa: F401  (keeps aiortc's candidates on loopback for every test)
from meet_e2e.echo import EchoServer
from meet_e2e.env import redis_url_from_env
from meet_e2e.fixtures import failed
from meet_e2e.moto import Moto
from meet_e2e.sfu import SFUNode


@pytest.fixture
def echo_server(tmp_path, request):
    server = EchoServer(tmp_path)
    yield server
    if failed(request):
        print("---- meet-echo stage report ----")
        print(server.stage_report())
        print("---- meet-echo log (tail) ----")
        print(server.log())
    server.stop()


@pytest.fixture
def sfu_node(tmp_path, request):
    node = SFUNode(tmp_path, redis_url_from_env())
    yield node
    if failed(request):
        print("---- meet-sfu log (tail) ----")
        print(node.log())
    node.stop()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


@pytest.fixture
def moto(tmp_path):
    server = Moto(tmp_path)
    yield server
    server.stop()
