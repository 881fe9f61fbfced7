"""Data rights (issue #20, item 7; docs/operations.md "Data rights") on PostgreSQL.

Export: everything stored about the user, their private messages (sent and
received) included, nobody else's. Deletion: the password is re-confirmed;
afterwards the old access and refresh tokens are refused, a meeting with a
host is that host's (who may run it), one without is gone, and the user's
chat stays under "Deleted user" in the other meetings.
"""
from __future__ import annotations

import asyncio
import json
import urllib.request
import uuid

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.participant import Participant
from meet_e2e.stack import Rest, Stack

PASSWORD = "correct horse battery"


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request, ws_replicas=1, sfu_nodes=1)


def account(rest: Rest, name: str) -> dict:
    email = f"rights-{uuid.uuid4().hex[:10]}@example.com"
    return rest.call("POST", "/v1/auth/register", {"email": email, "password": PASSWORD, "displayName": name}, expect=201)


async def enter(stack: Stack, code: str, name: str, token: str) -> Participant:
    person = Participant(name)
    joined = stack.rest.join(code, token=token)
    person.id = joined["participant"]["id"].lower()
    await person.signal.connect(stack.ws_url(0), joined["joinToken"])
    assert (await person.signal.request("join"))["type"] == "joined"
    return person


async def chat(stack: Stack, code: str, leaving: dict, peer: dict, other: dict) -> None:
    """The leaving user says something to the room and to the peer; the peer answers privately; other whispers to peer."""
    me = await enter(stack, code, "Leaving", leaving["accessToken"])
    them = await enter(stack, code, "Peer", peer["accessToken"])
    third = await enter(stack, code, "Other", other["accessToken"])
    try:
        assert (await me.signal.request("chat", {"body": "hello from the leaver"}))["type"] == "ack"
        assert (await me.signal.request("chat", {"body": "psst peer", "toParticipantId": them.id}))["type"] == "ack"
        assert (await them.signal.request("chat", {"body": "psst back", "toParticipantId": me.id}))["type"] == "ack"
        assert (await third.signal.request("chat", {"body": "not for the leaver", "toParticipantId": them.id}))["type"] == "ack"
        assert (await me.signal.request("question-ask", {"text": "asked by the leaver"}))["type"] == "question"
    finally:
        for person in (me, them, third):
            await person.close()


def test_export_then_delete(stack: Stack):
    rest = stack.rest
    leaving, host, peer, other = (account(rest, n) for n in ("Leaving", "Host", "Peer", "Other"))
    token = leaving["accessToken"]
    handed = rest.call("POST", "/v1/meetings", {"title": "Handed over"}, token, expect=201)["code"]
    alone = rest.call("POST", "/v1/meetings", {"title": "Alone"}, token, expect=201)["code"]
    elsewhere = rest.create_meeting(peer["accessToken"])
    rest.call("POST", f"/v1/meetings/{handed}/members", {"email": host["user"]["email"], "role": "host"}, token, expect=201)
    rest.call("POST", f"/v1/meetings/{handed}/members", {"email": other["user"]["email"], "role": "attendee"}, token, expect=201)
    for person in (leaving, other):
        rest.call("POST", f"/v1/meetings/{elsewhere}/members", {"email": person["user"]["email"], "role": "attendee"},
                  peer["accessToken"], expect=201)
    rest.call("POST", f"/v1/meetings/{handed}/invitations", {"email": "someone@example.org"}, token, expect=201)
    asyncio.run(asyncio.wait_for(chat(stack, elsewhere, leaving, peer, other), 60))

    # Export: everything about the user, nobody else's private messages.
    request = urllib.request.Request(rest.base_url + "/v1/users/me/export", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Disposition"].startswith("attachment")
        export = json.loads(response.read())
    assert export["profile"]["email"] == leaving["user"]["email"]
    assert {m["code"] for m in export["meetingsOwned"]} == {handed, alone}
    assert {m["meetingCode"] for m in export["memberships"]} == {handed, alone, elsewhere}
    assert [p["meetingCode"] for p in export["participations"]] == [elsewhere]
    assert {m["body"] for m in export["messagesSent"]} == {"hello from the leaver", "psst peer"}
    assert [m["body"] for m in export["messagesReceived"]] == ["psst back"]
    assert [i["email"] for i in export["invitationsSent"]] == ["someone@example.org"]
    assert [q["text"] for q in export["questionsAsked"]] == ["asked by the leaver"]
    assert export["pollVotes"] == []
    assert export["sessions"] and export["limits"] == {"entriesPerSection": 10000, "truncated": []}
    assert "not for the leaver" not in json.dumps(export)
    rest.call("GET", "/v1/users/me/export", expect=401)

    # Deletion needs the password.
    rest.call("DELETE", "/v1/users/me", {"password": "not my password"}, token, expect=403)
    rest.call("DELETE", "/v1/users/me", {}, token, expect=422)
    rest.call("DELETE", "/v1/users/me", {"password": PASSWORD}, token, expect=204)

    # Every session ends.
    rest.call("GET", "/v1/users/me", token=token, expect=401)
    rest.call("GET", "/v1/meetings", token=token, expect=401)
    rest.call("POST", "/v1/auth/refresh", {"refreshToken": leaving["refreshToken"]}, expect=401)
    rest.call("POST", "/v1/auth/login", {"email": leaving["user"]["email"], "password": PASSWORD}, expect=401)
    # The host owns the handed-over meeting and runs it; the other one is gone.
    meeting = rest.call("GET", f"/v1/meetings/{handed}", token=host["accessToken"])
    assert meeting["ownerId"] == host["user"]["id"] and meeting["role"] == "owner"
    rest.call("PATCH", f"/v1/meetings/{handed}", {"title": "Renamed by the heir"}, host["accessToken"])
    members = rest.call("GET", f"/v1/meetings/{handed}/members", token=host["accessToken"])["items"]
    assert {(m["userId"], m["role"]) for m in members} == {(host["user"]["id"], "owner"), (other["user"]["id"], "attendee")}
    rest.call("GET", f"/v1/meetings/{alone}", token=host["accessToken"], expect=404)
    # The chat stays, under "Deleted user"; the peer still reads what the leaver whispered.
    history = rest.call("GET", f"/v1/meetings/{elsewhere}/messages", token=peer["accessToken"])["items"]
    by_body = {m["body"]: m for m in history}
    assert by_body["hello from the leaver"]["displayName"] == "Deleted user"
    assert "userId" not in by_body["hello from the leaver"] or by_body["hello from the leaver"]["userId"] is None
    assert by_body["psst peer"]["displayName"] == "Deleted user"
    assert "psst back" in by_body
    # The report keeps the seat, anonymous.
    report = rest.call("GET", f"/v1/meetings/{elsewhere}/report", token=peer["accessToken"])
    assert "Deleted user" in json.dumps(report)
    # So does the question, its asker's copied name replaced.
    assert [q.get("askerName") for q in report["questions"] if q["text"] == "asked by the leaver"] == ["Deleted user"]
    # The address may register again, as a new account.
    again = rest.call("POST", "/v1/auth/register", {"email": leaving["user"]["email"], "password": PASSWORD,
                                                     "displayName": "New"}, expect=201)
    assert again["user"]["id"] != leaving["user"]["id"]
    assert rest.call("GET", "/v1/invitations", token=again["accessToken"])["items"] == []


def test_open_sockets_close_when_the_account_goes_and_when_the_meeting_ends_over_rest(stack: Stack):
    """Deleting an account closes its open WebSockets (its seats are left) and every socket of the
    meetings removed with it; ending a meeting over REST closes every socket in it, as a host's
    `end` over WS does. Each closed seat is gone from the room and cannot be resumed."""
    rest = stack.rest
    leaving, peer = account(rest, "Leaving"), account(rest, "Peer")
    elsewhere = rest.create_meeting(peer["accessToken"])
    rest.call("POST", f"/v1/meetings/{elsewhere}/members", {"email": leaving["user"]["email"], "role": "attendee"},
              peer["accessToken"], expect=201)
    alone = rest.call("POST", "/v1/meetings", {"title": "Alone"}, leaving["accessToken"], expect=201)["code"]

    async def scenario() -> None:
        me = await enter(stack, elsewhere, "Leaving", leaving["accessToken"])
        them = await enter(stack, elsewhere, "Peer", peer["accessToken"])
        guest = Participant("Guest")
        joined = stack.rest.join(alone, guest_name="Guest")
        await guest.signal.connect(stack.ws_url(0), joined["joinToken"])
        assert (await guest.signal.request("join"))["type"] == "joined"
        try:
            rest.call("DELETE", "/v1/users/me", {"password": PASSWORD}, leaving["accessToken"], expect=204)
            # The leaver's socket: told and closed; the peer hears it left.
            refused = await me.signal.next_event("error", timeout=15)
            assert refused["code"] == "forbidden", refused
            await asyncio.wait_for(me.signal.closed.wait(), 15)
            assert me.signal._socket.close_code == 4403
            left = await them.signal.next_event("participant-left", lambda d: d["participantId"].lower() == me.id, timeout=15)
            assert left["reason"] == "left"
            # The meeting removed with the account: its guest is told it ended.
            await guest.signal.next_event("meeting-ended", timeout=15)
            await asyncio.wait_for(guest.signal.closed.wait(), 15)
            assert guest.signal._socket.close_code == 4004
            # Ended over REST: the owner's own socket gets meeting-ended and closes too.
            rest.call("DELETE", f"/v1/meetings/{elsewhere}", token=peer["accessToken"], expect=204)
            await them.signal.next_event("meeting-ended", timeout=15)
            await asyncio.wait_for(them.signal.closed.wait(), 15)
            assert them.signal._socket.close_code == 4004
        finally:
            for person in (me, them, guest):
                await person.close()

    asyncio.run(asyncio.wait_for(scenario(), 90))
