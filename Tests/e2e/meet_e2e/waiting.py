"""The one way the end-to-end tests wait: poll a condition until it holds or
a deadline passes, then fail naming what was awaited and the last thing seen.

`wait_until` is for async tests and helpers (the predicate may be a plain
function or a coroutine function); `block_until` is the same wait for
synchronous code (Selenium, process start-up, the benchmarks). Both return
the predicate's first truthy value, so a wait can also fetch what it waited
for. A test never sleeps a fixed time to let something happen: it waits
until it has.
"""
from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any, Callable

__all__ = ["wait_until", "block_until", "WaitTimeout"]


class WaitTimeout(AssertionError):
    """A wait that ran out of time (an AssertionError, so pytest reports it as a failed check)."""


class _Poll:
    """One wait's bookkeeping: the deadline, the last value or error seen, and the failure message."""

    def __init__(self, timeout: float, what: str, details: Callable[[], str] | None):
        self.timeout = timeout
        self.what = what
        self.details = details
        self.deadline = time.monotonic() + timeout
        self.last: Any = None

    def done(self, outcome: Any) -> bool:
        """True for a truthy value (the wait is over); else keeps it (or the error caught)
        as the last thing seen, and raises the failure once the time is up."""
        if outcome and not isinstance(outcome, BaseException):
            return True
        self.last = outcome
        if time.monotonic() >= self.deadline:
            raise self.failure()
        return False

    def failure(self) -> WaitTimeout:
        message = f"timed out after {self.timeout}s waiting for {self.what}"
        if self.last is not None and self.last is not False:
            message += f" (last: {self.last!r})"
        if self.details is not None:
            message += "\n" + self.details()
        return WaitTimeout(message)


async def wait_until(predicate: Callable[[], Any], timeout: float, what: str, *, interval: float = 0.1,
                     retry_on: tuple[type[BaseException], ...] = (),
                     details: Callable[[], str] | None = None) -> Any:
    """Awaits `predicate()` (called again every `interval` s, awaited when it returns an
    awaitable) until it returns something truthy, and returns that. Exceptions of the
    types in `retry_on` count as "not yet" (e.g. a refused connection while a server
    starts); any other propagates at once. After `timeout` s raises WaitTimeout naming
    `what`, the last value or exception, and `details()` when given."""
    poll = _Poll(timeout, what, details)
    while True:
        try:
            outcome = predicate()
            if inspect.isawaitable(outcome):
                outcome = await outcome
        except retry_on as error:
            outcome = error
        if poll.done(outcome):
            return outcome
        await asyncio.sleep(interval)


def block_until(predicate: Callable[[], Any], timeout: float, what: str, *, interval: float = 0.1,
                retry_on: tuple[type[BaseException], ...] = (),
                details: Callable[[], str] | None = None) -> Any:
    """`wait_until` for synchronous code: the same arguments and result, sleeping between calls."""
    poll = _Poll(timeout, what, details)
    while True:
        try:
            outcome = predicate()
        except retry_on as error:
            outcome = error
        if poll.done(outcome):
            return outcome
        time.sleep(interval)
