"""PostgreSQL outages (issue #23); Redis's are in test_outages.py.

The stack runs against the PostgreSQL of scripts/test, and these tests stop
that very server (`pg_ctl stop -m fast`, meet_e2e.recovery.PostgresControl)
and start it again in a `finally`.

1. The WebSocket handshake used to wait for the database timeout (5 s)
   before letting a valid join token in, so a client with a shorter open
   timeout never got in. Now it opens within a 2.5 s open timeout; the
   `join` on it answers `error unavailable` while PostgreSQL is down and
   succeeds, retried on the same socket, once it is back.

2. Every request that needs it used to wait for the database timeout (5 s)
   before its 503 or `unavailable`. Now the database circuit breaker of
   meet-api and meet-ws opens (`meet_database_breaker_open 1`) once
   PostgreSQL is seen not to answer, and from then on REST answers 503
   `database_unavailable`, `/readyz` 503, and a signaling `chat`
   `unavailable`, each within a client timeout shorter than the old wait;
   once PostgreSQL is back, requests succeed again.

3. With no request at all: the breaker's own connection, closed by the
   stopping server, opens it before any request has to wait.
"""
from __future__ import annotations

import asyncio

import pytest
from meet_e2e.participant import Participant
from meet_e2e.recovery import (FAST, PostgresControl, ensure_postgres_up, gauge_is_one, http_call, http_get, outage_stack,
                              poll, until_accepted)
from meet_e2e.signaling import Signal, SignalError
from meet_e2e.stack import Stack


@pytest.fixture
def stack(tmp_path, request):
    yield from outage_stack(tmp_path, request, {"MEET_WS_PRESENCE_TTL_SECONDS": "3"})


async def handshake_without_postgres_scenario(stack: Stack, server: PostgresControl) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    joined = stack.rest.join(code, guest_name="G")
    signal = Signal("G")
    server.stop()
    try:
        # The signed token is let in without waiting for the database.
        await signal.connect(stack.ws_url(0), joined["joinToken"], open_timeout=FAST)
        try:
            await signal.request("join", timeout=20)
            raise AssertionError("join succeeded while PostgreSQL is down")
        except SignalError as error:
            assert error.code == "unavailable", error
        assert not signal.closed.is_set()
    finally:
        server.start()
    reply = await until_accepted(signal, "join", None, 90, "join after PostgreSQL came back")
    assert reply["type"] == "joined", reply
    await signal.close()


def test_handshake_does_not_wait_for_postgres(stack):
    server = PostgresControl()
    try:
        asyncio.run(asyncio.wait_for(handshake_without_postgres_scenario(stack, server), 180))
    finally:
        ensure_postgres_up(server)


async def stopped_postgres_scenario(stack: Stack, server: PostgresControl) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    a = Participant("A")
    meeting = stack.api.base_url + f"/v1/meetings/{code}"
    try:
        await a.join(stack, code, replica=0)
        server.stop()
        try:
            # The first requests find PostgreSQL gone (they may wait for it); the breakers open.
            def api_breaker_open() -> bool:
                http_call("GET", meeting, token=owner, timeout=10)
                return gauge_is_one(stack.api.base_url, "meet_database_breaker_open")

            poll(api_breaker_open, 30, "meet-api's database breaker opening")
            for _ in range(5):
                status, body = http_call("GET", meeting, token=owner, timeout=FAST)
                assert status == 503 and body["error"]["code"] == "database_unavailable", (status, body)
            assert http_get(stack.api.base_url + "/readyz", timeout=FAST)[0] == 503

            async def ws_breaker_open() -> bool:
                try:
                    await a.signal.request("chat", {"body": "while PostgreSQL is down"}, timeout=10)
                except SignalError as error:
                    assert error.code == "unavailable", error
                return gauge_is_one(stack.replicas[0].base_url, "meet_database_breaker_open")

            deadline = asyncio.get_running_loop().time() + 30
            while not await ws_breaker_open():
                assert asyncio.get_running_loop().time() < deadline, "meet-ws 0's database breaker never opened"
            for _ in range(5):
                try:
                    await a.signal.request("chat", {"body": "refused at once"}, timeout=FAST)
                    raise AssertionError("chat stored while PostgreSQL is down")
                except SignalError as error:
                    assert error.code == "unavailable", error
        finally:
            server.start()
        poll(lambda: http_call("GET", meeting, token=owner, timeout=10)[0] == 200, 90,
             "meet-api answering from PostgreSQL again")
        reply = await until_accepted(a.signal, "chat", {"body": "PostgreSQL is back"}, 90,
                                     "chat after PostgreSQL came back", timeout=FAST)
        assert reply["type"] == "ack", reply
        assert not a.signal.closed.is_set()
    finally:
        await a.close()


def test_stopped_postgres_fails_requests_at_once(stack):
    server = PostgresControl()
    try:
        asyncio.run(asyncio.wait_for(stopped_postgres_scenario(stack, server), 240))
    finally:
        ensure_postgres_up(server)


def test_stopped_postgres_opens_the_breaker_before_any_request(stack):
    """PostgreSQL stops while nobody asks meet-api anything. Its breaker's own
    connection is closed by the server, its probe is refused, and the breaker
    opens at once: the first request then gets its 503 without waiting for a
    pool connection. Before, the pool's idle connections told nobody, and the
    first requests of an outage each waited out the stall deadline and a probe
    (docs/benchmarks.md, issue #23)."""
    server = PostgresControl()
    owner = stack.rest.register("Owner")
    meeting = stack.api.base_url + f"/v1/meetings/{stack.rest.create_meeting(owner)}"
    breaker = "meet_database_breaker_open"
    try:
        assert not gauge_is_one(stack.api.base_url, breaker)
        server.stop()
        try:
            # /metrics asks nothing of PostgreSQL: only the breaker's own connection can tell.
            poll(lambda: gauge_is_one(stack.api.base_url, breaker), 20,
                 "meet-api's database breaker opening with no request made")
            status, body = http_call("GET", meeting, token=owner, timeout=FAST)
            assert status == 503 and body["error"]["code"] == "database_unavailable", (status, body)
        finally:
            server.start()
        # Its probes close it again with nothing asked of it either.
        poll(lambda: not gauge_is_one(stack.api.base_url, breaker), 30, "meet-api's database breaker closing")
        assert http_call("GET", meeting, token=owner, timeout=10)[0] == 200
    finally:
        ensure_postgres_up(server)
