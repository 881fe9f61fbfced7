"""Bodies of the fixtures several test modules register: a whole stack whose
logs are printed when the test failed, and `failed(request)` for fixtures of
their own. (conftest.py's `pytest_runtest_makereport` keeps each test's
outcome on its item as `rep_call`.)
"""
from __future__ import annotations

from pathlib import Path

from .stack import Stack


def failed(request) -> bool:
    """Whether the test that `request` belongs to failed in its call phase (for a fixture's teardown)."""
    report = getattr(request.node, "rep_call", None)
    return report is not None and report.failed


def stack_with_logs(tmp_path: Path, request, **stack_args):
    """A fixture body (`yield from`): a `Stack(tmp_path, **stack_args)`, its processes' logs
    printed if the test failed, stopped after."""
    running = Stack(tmp_path, **stack_args)
    yield running
    if failed(request):
        print(running.logs())
    running.stop()
