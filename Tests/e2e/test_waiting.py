"""meet_e2e.waiting, the one way these tests wait: a wait returns the first
truthy value, counts only the named errors as "not yet", awaits async
predicates, and fails naming what it waited for and the last thing seen.
No stack needed; the timeouts are tiny because every wait here either ends
at once or is meant to run out."""
from __future__ import annotations

import asyncio

import pytest
from meet_e2e.waiting import WaitTimeout, block_until, wait_until


def test_block_until_returns_the_first_truthy_value_and_retries_named_errors():
    answers = iter([ConnectionRefusedError("not up"), 0, {"ready": True}])

    def probe():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert block_until(probe, 5, "the probe", interval=0, retry_on=(OSError,)) == {"ready": True}


def test_block_until_fails_naming_what_and_the_last_error():
    def refused():
        raise ConnectionRefusedError("still down")

    with pytest.raises(WaitTimeout, match=r"waiting for the server \(last: ConnectionRefusedError\('still down'\)\)\nlog tail"):
        block_until(refused, 0.05, "the server", interval=0.01, retry_on=(OSError,), details=lambda: "log tail")


def test_an_error_not_named_propagates_at_once():
    def broken():
        raise KeyError("bug")

    with pytest.raises(KeyError):
        block_until(broken, 5, "anything", retry_on=(OSError,))


def test_wait_until_awaits_async_predicates_and_takes_plain_ones():
    calls = []

    async def third_time() -> str | None:
        calls.append(1)
        return "done" if len(calls) == 3 else None

    assert asyncio.run(wait_until(third_time, 5, "the third call", interval=0)) == "done"
    assert asyncio.run(wait_until(lambda: 42, 5, "a constant")) == 42
    with pytest.raises(WaitTimeout, match="waiting for never"):
        asyncio.run(wait_until(lambda: False, 0.05, "never", interval=0.01))
