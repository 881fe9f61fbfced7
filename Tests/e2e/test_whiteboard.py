"""The whiteboard (issue #21, item 7; docs/signaling.md, Whiteboard) through
the real stack, two meet-ws replicas on one PostgreSQL:

- ops drawn on replica 0 and replica 1 at once reach everyone on both in
  one order (`seq` 1, 2, … from the board's PostgreSQL row), each sender
  acknowledged with its op's `seq`;
- a late joiner's `whiteboard-sync` gives it the board as the others have it;
- SIGKILL of replica 0 loses nothing: a joiner on replica 1 gets the same
  board, and the order goes on from where it was;
- who may: a locked board refuses participants' drawings (`forbidden`) and
  takes the host's; clear, lock and unlock are host-only; the SVG export
  answers members and the meeting's participants, 401/403/404 JSON to others;
- bounds: malformed ops are `invalid_data` naming the field, and a full
  board (`MEET_WS_WHITEBOARD_MAX_OPS`) is `whiteboard_full` until a host clears it.
"""
from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.participant import Participant
from meet_e2e.signaling import SignalError
from meet_e2e.stack import Stack

MAX_OPS = 12


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request, sfu_nodes=1, ws_env={"MEET_WS_WHITEBOARD_MAX_OPS": str(MAX_OPS)})


def stroke(x: int) -> dict:
    return {"kind": "stroke", "points": [x, 10, x + 5, 20, x + 9, 15], "color": "#1a2b3c", "width": 3}


def fold(ops: list[dict]) -> list[int]:
    """The drawings' seqs after applying `ops` by seq (the fold of WhiteboardBoard)."""
    items: list[int] = []
    for event in sorted(ops, key=lambda e: e["seq"]):
        kind = event["op"]["kind"]
        if kind == "clear":
            items = []
        elif kind == "erase":
            items = [seq for seq in items if seq != event["op"]["target"]]
        elif kind not in ("lock", "unlock"):
            items.append(event["seq"])
    return items


def ops_seen(peer: Participant) -> dict[int, dict]:
    """Every `whiteboard-op` event the peer got, by seq."""
    return {m["data"]["seq"]: m["data"] for m in peer.signal.seen if m.get("type") == "whiteboard-op"}


async def wait_for_seq(peer: Participant, seq: int, timeout: float = 15) -> None:
    async def until() -> None:
        while seq not in ops_seen(peer):
            await peer.signal.next_event("whiteboard-op", timeout=timeout)
    await asyncio.wait_for(until(), timeout)


async def draw(peer: Participant, op: dict) -> int:
    reply = await peer.signal.request("whiteboard-op", op)
    assert reply["type"] == "ack", reply
    return int(reply["data"]["messageId"])


async def refused(peer: Participant, op: dict) -> SignalError:
    with pytest.raises(SignalError) as error:
        await peer.signal.request("whiteboard-op", op)
    return error.value


async def sync(peer: Participant, since: int | None = None) -> dict:
    reply = await peer.signal.request("whiteboard-sync", None if since is None else {"since": since})
    assert reply["type"] == "whiteboard-state", reply
    return reply["data"]


def get_svg(stack: Stack, code: str, token: str | None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(f"{stack.api.base_url}/v1/meetings/{code}/whiteboard.svg")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


async def scenario(stack: Stack) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    host, a, b = Participant("Host"), Participant("A"), Participant("B")
    late, after_crash = Participant("Late"), Participant("AfterCrash")
    try:
        await host.join(stack, code, replica=1, token=owner)
        await a.join(stack, code, replica=0)
        await b.join(stack, code, replica=1)

        # Replica 0 and replica 1 draw at once: one order, seen the same on both.
        acks = await asyncio.gather(*(draw(a, stroke(10 * i)) for i in range(3)), *(draw(b, stroke(500 + 10 * i)) for i in range(2)))
        assert sorted(acks) == [1, 2, 3, 4, 5], acks
        for peer in (a, b, host):
            await wait_for_seq(peer, 5)
        assert ops_seen(a) == ops_seen(b) == ops_seen(host)
        assert {ops_seen(b)[seq]["participantId"].lower() for seq in acks[:3]} == {a.id}

        assert await draw(b, {"kind": "erase", "target": 1}) == 6
        await wait_for_seq(a, 6)
        assert fold(list(ops_seen(a).values())) == [2, 3, 4, 5]

        # A late joiner on the other replica gets the board (the erased stroke is not kept).
        await late.join(stack, code, replica=0)
        state = await sync(late)
        assert state["full"] and state["seq"] == 6 and not state["locked"], state
        assert [op["seq"] for op in state["ops"]] == [2, 3, 4, 5, 6]
        assert fold(state["ops"]) == fold(list(ops_seen(b).values()))
        assert [op["seq"] for op in (await sync(late, since=4))["ops"]] == [5, 6]

        # Bad input: `invalid_data` naming the problem; nothing stored.
        for bad, words in [
            ({"kind": "stroke", "points": [0, 0]}, "points"),
            ({"kind": "stroke", "points": [0, 0] * 501}, "500 points"),
            ({"kind": "stroke", "points": [0, 0, 2000, 0]}, "board"),
            ({"kind": "line", "points": [0, 0, 1, 1], "color": "red"}, "color"),
            ({"kind": "text", "points": [1, 1], "text": "x" * 501}, "text"),
            ({"kind": "line", "points": [0.5, 0, 1, 1]}, "points"),
            ({"kind": "blob"}, "kind"),
        ]:
            error = await refused(a, bad)
            assert error.code == "invalid_data" and words in str(error), (bad, error)
        error = await refused(a, {"kind": "erase", "target": 1})
        assert error.code == "not_found", error

        # Lock: participants refused, the host draws; clear and lock are host-only.
        assert await draw(host, {"kind": "text", "points": [40, 60], "text": "<script>alert(1)</script> & \"co\""}) == 7
        assert await draw(host, {"kind": "lock"}) == 8
        error = await refused(a, stroke(100))
        assert error.code == "forbidden" and "locked" in str(error), error
        assert (await refused(b, {"kind": "erase", "target": 2})).code == "forbidden"
        assert await draw(host, stroke(300)) == 9
        for kind in ("clear", "unlock", "lock"):
            assert (await refused(a, {"kind": kind})).code == "forbidden", kind

        # The SVG export: members and participants of this meeting; 401/403/404 JSON to others.
        status, headers, body = get_svg(stack, code, owner)
        assert status == 200, body[:300]
        assert headers["Content-Type"].startswith("image/svg+xml")
        assert headers["Content-Disposition"].startswith("attachment")
        assert headers["X-Content-Type-Options"] == "nosniff"
        svg = body.decode()
        assert svg.count("<polyline") == 5 and "<script" not in svg, svg
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;co&quot;" in svg, svg
        status, _, _ = get_svg(stack, code, stack.rest.join(code, guest_name="Reader")["joinToken"])
        assert status == 200
        stranger = stack.rest.register("Stranger")
        other_code = stack.rest.create_meeting(stranger)
        for token, expected, error_code in [
            (None, 401, "unauthorized"),
            (stranger, 403, "forbidden"),
            (stack.rest.join(other_code, guest_name="Elsewhere")["joinToken"], 403, "forbidden"),
        ]:
            status, headers, body = get_svg(stack, code, token)
            assert status == expected and json.loads(body)["error"]["code"] == error_code, (status, body)
            assert headers["Content-Type"].startswith("application/json")
        status, _, body = get_svg(stack, "zzz-zzzz-zzz", owner)
        assert status == 404 and json.loads(body)["error"]["code"] == "not_found", body

        # Replica 0 dies (A and Late were on it): the board is in PostgreSQL.
        before = await sync(b)
        stack.replicas[0].kill()
        await after_crash.join(stack, code, replica=1)
        state = await sync(after_crash)
        assert state == before, (state, before)
        assert fold(state["ops"]) == [2, 3, 4, 5, 7, 9]
        assert state["locked"]

        # The order goes on; the board fills (MAX_OPS) until a host clears it.
        assert await draw(host, {"kind": "unlock"}) == 10
        stored = len(state["ops"]) + 1
        seq = 10
        while stored < MAX_OPS:
            seq += 1
            assert await draw(b, stroke(seq)) == seq
            stored += 1
        error = await refused(b, stroke(1))
        assert error.code == "whiteboard_full", error
        assert await draw(host, {"kind": "clear"}) == seq + 1
        assert await draw(b, stroke(2)) == seq + 2
        await wait_for_seq(after_crash, seq + 2)
        assert fold(list(ops_seen(after_crash).values())) == [seq + 2]
        assert fold((await sync(b))["ops"]) == [seq + 2]
    finally:
        for peer in (host, a, b, late, after_crash):
            await peer.close()


def test_whiteboard_across_replicas(stack):
    asyncio.run(asyncio.wait_for(scenario(stack), 120))
    # Replica 1 (replica 0 was killed) counted what it stored and refused:
    # `meet_ws_whiteboard_ops_total{result}`; b's refusal on the full board was its.
    counted: dict[str, float] = {}
    with urllib.request.urlopen(stack.replicas[1].base_url + "/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("meet_ws_whiteboard_ops_total{"):
                result = line.split('result="', 1)[1].split('"', 1)[0]
                counted[result] = float(line.rsplit(" ", 1)[1])
    assert counted.get("applied", 0) > 0 and counted.get("full", 0) >= 1, counted
