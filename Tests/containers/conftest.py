"""pytest's set-up for Tests/containers: the compose stack that
scripts/test-containers brought up, checked from outside through its
published ports. The aiortc participants and waits are Tests/e2e's
(`meet_e2e`), imported from there; importing `meet_e2e.media` keeps aiortc's
candidates on loopback, where the published UDP ports are.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from meet_e2e import media  # noqa: E402,F401  (aiortc on loopback)
from compose_project import ComposeProject, ComposeStack  # noqa: E402


@pytest.fixture(scope="session")
def project() -> ComposeProject:
    return ComposeProject.from_env()


@pytest.fixture
def stack(project, request) -> ComposeStack:
    yield ComposeStack()
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        print(f"---- states ----\n{project.states()}\n---- logs (tail) ----\n{project.logs(tail=80)}")


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)
