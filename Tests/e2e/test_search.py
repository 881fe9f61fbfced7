"""Search (issue #20, item 5; docs/scheduling.md "Search") on PostgreSQL, through the REST API.

The authorization matrix: meeting search finds only the caller's meetings
(owned, member, invited); chat search reads only a meeting the caller may
read, with private-message visibility (messages sent over meet-ws, as in
production); user search finds names and exact addresses only, in the same
shape, and is rate-limited per account (429 with Retry-After).
"""
from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import uuid

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.participant import Participant
from meet_e2e.stack import Rest, Stack

SEARCH_LIMIT = 5


@pytest.fixture
def stack(tmp_path, request, monkeypatch):
    # The user-search limit applies to meet-api; the rest of the stack ignores it.
    monkeypatch.setenv("MEET_USER_SEARCH_RATE_LIMIT", str(SEARCH_LIMIT))
    yield from stack_with_logs(tmp_path, request, ws_replicas=1, sfu_nodes=1)


def account(rest: Rest, name: str) -> tuple[str, dict]:
    """Registers; returns the access token and the user."""
    email = f"search-{uuid.uuid4().hex[:10]}@example.com"
    auth = rest.call("POST", "/v1/auth/register", {"email": email, "password": "correct horse battery", "displayName": name},
                     expect=201)
    return auth["accessToken"], auth["user"]


def raw_get(rest: Rest, path: str, token: str) -> tuple[int, dict, dict]:
    request = urllib.request.Request(rest.base_url + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_meeting_search_sees_only_the_callers_meetings(stack: Stack):
    rest = stack.rest
    tag = uuid.uuid4().hex[:8]
    owner, _ = account(rest, "Owner")
    member, member_user = account(rest, "Member")
    invitee, invitee_user = account(rest, "Invitee")
    stranger, _ = account(rest, "Stranger")
    alpha = rest.call("POST", "/v1/meetings", {"title": f"Alpha {tag} launch"}, owner, expect=201)["code"]
    beta = rest.call("POST", "/v1/meetings", {"title": f"Beta {tag}"}, owner, expect=201)["code"]
    rest.call("PUT", f"/v1/meetings/{beta}/schedule", {
        "startsAt": "2031-02-03T10:00:00Z", "endsAt": "2031-02-03T11:00:00Z", "timeZone": "UTC",
        "description": f"Agenda: the {tag} LAUNCH plan"}, owner)
    rest.call("POST", f"/v1/meetings/{alpha}/members", {"email": member_user["email"], "role": "attendee"}, owner, expect=201)
    rest.call("POST", f"/v1/meetings/{beta}/invitations", {"userId": invitee_user["id"]}, owner, expect=201)

    def codes(token: str, query: str) -> list[str]:
        return [m["code"] for m in rest.call("GET", f"/v1/meetings/search?{query}", token=token)["items"]]

    assert codes(owner, f"q=alpha%20{tag}") == [alpha]           # the title, any case
    assert codes(owner, f"q={tag}") == [beta, alpha]              # newest first
    assert codes(owner, f"q=the%20{tag}%20launch") == [beta]      # the agenda, any case
    assert codes(member, f"q={tag}") == [alpha]
    assert codes(invitee, f"q={tag}") == [beta]
    assert codes(stranger, f"q={tag}") == []
    assert codes(owner, "from=2031-02-01T00:00:00Z&to=2031-02-05T00:00:00Z") == [beta]
    page = rest.call("GET", f"/v1/meetings/search?q={tag}&limit=1", token=owner)
    assert [m["code"] for m in page["items"]] == [beta] and page["nextCursor"]
    assert codes(owner, f"q={tag}&limit=1&cursor={page['nextCursor']}") == [alpha]
    for query, field in [("q=x", "q"), ("", "q"), ("q=ab", "q"), ("q=abc&limit=500", "limit"), ("from=soon", "from"),
                         ("from=2031-01-02T00:00:00Z&to=2031-01-01T00:00:00Z", "to"), ("q=abc&cursor=x", "cursor")]:
        status, _, body = raw_get(rest, f"/v1/meetings/search?{query}", owner)
        assert status == 422 and body["error"]["field"] == field, (query, status, body)


def test_user_search_by_name_or_exact_email_and_rate_limited(stack: Stack):
    rest = stack.rest
    tag = uuid.uuid4().hex[:8]
    caller, _ = account(rest, "Caller")
    _, found = account(rest, f"Grace {tag} Hopper")
    status, _, by_name = raw_get(rest, f"/v1/users/search?q={tag}", caller)
    assert status == 200 and by_name["items"] == [{"id": found["id"], "displayName": f"Grace {tag} Hopper"}]
    _, _, by_email = raw_get(rest, f"/v1/users/search?email={found['email'].upper()}", caller)
    assert by_email["items"] == [{"id": found["id"], "displayName": found["displayName"]}]
    # No enumeration: an unknown address answers the same shape, a part of one finds nothing.
    status, _, missing = raw_get(rest, f"/v1/users/search?email=nobody-{tag}@example.com", caller)
    assert status == 200 and missing == {"items": []}
    _, _, partial = raw_get(rest, f"/v1/users/search?q={found['email'].split('@')[0]}", caller)
    assert partial["items"] == []
    # Per account and per minute: the fifth search is the last.
    assert raw_get(rest, f"/v1/users/search?q={tag}", caller)[0] == 200
    status, headers, body = raw_get(rest, f"/v1/users/search?q={tag}", caller)
    assert status == 429 and body["error"]["code"] == "rate_limited", (status, body)
    assert int(headers["Retry-After"]) >= 1
    other, _ = account(rest, "Other")
    assert raw_get(rest, f"/v1/users/search?q={tag}", other)[0] == 200


async def enter(stack: Stack, code: str, name: str, token: str) -> tuple[Participant, str]:
    person = Participant(name)
    joined = stack.rest.join(code, token=token)
    person.id = joined["participant"]["id"].lower()
    await person.signal.connect(stack.ws_url(0), joined["joinToken"])
    assert (await person.signal.request("join"))["type"] == "joined"
    return person, joined["joinToken"]


async def chat_scenario(stack: Stack) -> None:
    rest = stack.rest
    owner, _ = account(rest, "Owner")
    a_token, a_user = account(rest, "A")
    b_token, b_user = account(rest, "B")
    c_token, c_user = account(rest, "C")
    stranger, _ = account(rest, "Stranger")
    code = rest.create_meeting(owner)
    for user in (a_user, b_user, c_user):
        rest.call("POST", f"/v1/meetings/{code}/members", {"email": user["email"], "role": "attendee"}, owner, expect=201)
    a, _ = await enter(stack, code, "A", a_token)
    b, _ = await enter(stack, code, "B", b_token)
    c, c_join = await enter(stack, code, "C", c_token)
    try:
        assert (await a.signal.request("chat", {"body": "the quarterly budget is approved"}))["type"] == "ack"
        assert (await a.signal.request("chat", {"body": "budget secret for B", "toParticipantId": b.id}))["type"] == "ack"
        assert (await c.signal.request("chat", {"body": "budget worry for the hosts", "toHosts": True}))["type"] == "ack"
        assert (await b.signal.request("chat", {"body": "unrelated words"}))["type"] == "ack"

        def found(token: str, q: str) -> set[str]:
            return {m["body"] for m in rest.call("GET", f"/v1/meetings/{code}/messages?q={q}", token=token)["items"]}

        room = "the quarterly budget is approved"
        assert found(b_token, "BUDGET") == {room, "budget secret for B"}
        assert found(a_token, "budget") == {room, "budget secret for B"}
        assert found(c_token, "budget") == {room, "budget worry for the hosts"}
        assert found(c_join, "budget") == {room, "budget worry for the hosts"}   # a join token reads too
        assert found(owner, "budget") == {room, "budget worry for the hosts"}
        assert found(b_token, "quarterly%20approved") == {room}
        assert found(b_token, "%22budget%20is%22") == {room}                    # a phrase
        assert found(b_token, "nothing-like-it") == set()
        rest.call("GET", f"/v1/meetings/{code}/messages?q=budget", token=stranger, expect=403)
        rest.call("GET", f"/v1/meetings/{code}/messages?q=b", token=owner, expect=422)
    finally:
        for person in (a, b, c):
            await person.close()


def test_chat_search_respects_readers_and_private_messages(stack: Stack):
    asyncio.run(asyncio.wait_for(chat_scenario(stack), 60))
