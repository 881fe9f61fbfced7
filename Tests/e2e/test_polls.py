"""Polls and Q&A (issue #21, items 3 and 4) through the real stack, across two
meet-ws replicas, with an authorization matrix:

- hosts (the owner, a host member) create, launch and close polls and
  moderate questions; an attendee gets `forbidden` for each, and a host
  demoted over REST is refused at once (the role is read from PostgreSQL);
- a participant votes once and may change the vote until the close; a vote
  after the close is `bad_request`;
- hosts see the live tally (with voters for a named poll); attendees see no
  counts until the close, then everyone has them, never with voters;
- an anonymous poll never shows who voted to anyone (no frame names them);
- Q&A: anyone asks (an anonymous question names nobody), upvotes once (a
  second upvote changes nothing), withdraws; the order is by votes;
- a late joiner reads everything with `engagement-get`; bad input is `invalid_data`;
- past its own burst a socket gets `rate_limited` (its chat still goes);
- the meeting report lists the polls' tallies and the questions."""
from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.participant import Participant
from meet_e2e.signaling import SignalError
from meet_e2e.stack import Stack


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request, sfu_nodes=1)


async def refused(person: Participant, type_: str, data: dict, code: str) -> None:
    with pytest.raises(SignalError) as error:
        await person.signal.request(type_, data)
    assert error.value.code == code, (type_, error.value.code, error.value)


def polls_seen(person: Participant, poll_id: str) -> list[dict]:
    return [m["data"] for m in person.signal.seen if m.get("type") == "poll" and m["data"]["id"].lower() == poll_id]


async def scenario(stack: Stack) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    email = f"e2e-{uuid.uuid4().hex}@example.com"
    ada_token = stack.rest.call("POST", "/v1/auth/register",
                                {"email": email, "password": "correct horse battery", "displayName": "Ada"},
                                expect=201)["accessToken"]
    ada_user = stack.rest.call("POST", f"/v1/meetings/{code}/members", {"email": email, "role": "host"}, owner,
                               expect=201)["userId"]
    host, ada, a, b = Participant("Owner"), Participant("Ada"), Participant("A"), Participant("B")
    late = Participant("Late")
    people = (host, ada, a, b)
    try:
        await host.join(stack, code, replica=0, token=owner)
        await ada.join(stack, code, replica=1, token=ada_token)
        await a.join(stack, code, replica=0)
        await b.join(stack, code, replica=1)

        # Bad input, named.
        await refused(host, "poll-create", {"question": "Only one?", "options": ["yes"]}, "invalid_data")
        await refused(host, "poll-create", {"question": "x" * 301, "options": ["a", "b"]}, "invalid_data")
        await refused(a, "question-ask", {"text": " "}, "invalid_data")
        # An attendee may not create a poll.
        await refused(a, "poll-create", {"question": "Mine?", "options": ["a", "b"]}, "forbidden")

        # A named poll, created by the owner, launched and closed by the other host (other replica).
        created = await host.signal.request("poll-create", {"question": "Lunch?", "options": ["Pizza", "Soup"]})
        poll = created["data"]
        pid = poll["id"].lower()
        assert poll["state"] == "draft" and poll["counts"] == [0, 0], poll
        await refused(a, "poll-launch", {"pollId": pid}, "forbidden")
        await refused(a, "poll-vote", {"pollId": pid, "choices": [0]}, "bad_request")  # a draft takes no vote
        assert (await ada.signal.request("poll-launch", {"pollId": pid}))["type"] == "ack"
        for person in (a, b):
            opened = await person.signal.next_event("poll", lambda d: d["id"].lower() == pid, timeout=10)
            assert opened["state"] == "open" and "counts" not in opened and "voters" not in opened, opened

        # Votes: once each, changeable; the hosts see the live tally with voters.
        await a.signal.request("poll-vote", {"pollId": pid, "choices": [0]})
        await b.signal.request("poll-vote", {"pollId": pid, "choices": [1]})
        mine = await a.signal.request("poll-vote", {"pollId": pid, "choices": [1]})
        assert mine["data"]["yourChoices"] == [1] and "counts" not in mine["data"], mine
        await refused(a, "poll-vote", {"pollId": pid, "choices": [0, 1]}, "invalid_data")  # single choice
        await refused(a, "poll-vote", {"pollId": pid, "choices": [2]}, "invalid_data")
        for viewer in (host, ada):
            live = await viewer.signal.next_event("poll", lambda d: d["id"].lower() == pid and d.get("counts") == [0, 2],
                                                  timeout=10)
            assert live["voterCount"] == 2 and sorted(v.lower() for v in live["voters"][1]) == sorted([a.id, b.id]), live
        await refused(b, "poll-close", {"pollId": pid}, "forbidden")
        assert (await ada.signal.request("poll-close", {"pollId": pid}))["type"] == "ack"
        for person in (a, b):
            closed = await person.signal.next_event("poll", lambda d: d["id"].lower() == pid and d["state"] == "closed",
                                                    timeout=10)
            assert closed["counts"] == [0, 2] and closed["voterCount"] == 2 and "voters" not in closed, closed
        await refused(a, "poll-vote", {"pollId": pid, "choices": [0]}, "bad_request")  # closed
        await refused(host, "poll-close", {"pollId": pid}, "bad_request")  # already closed
        # Before the close, the attendees never had a count.
        for person in (a, b):
            before = [p for p in polls_seen(person, pid) if p["state"] != "closed"]
            assert before and all("counts" not in p for p in before), before

        # An anonymous, multiple-choice poll: nobody ever learns who voted.
        anon = (await host.signal.request(
            "poll-create", {"question": "Mood?", "options": ["Good", "Tired", "Hungry"], "multiple": True, "anonymous": True}
        ))["data"]
        aid = anon["id"].lower()
        await host.signal.request("poll-launch", {"pollId": aid})
        await b.signal.next_event("poll", lambda d: d["id"].lower() == aid, timeout=10)
        await a.signal.request("poll-vote", {"pollId": aid, "choices": [0, 2]})
        await b.signal.request("poll-vote", {"pollId": aid, "choices": [2]})
        await host.signal.next_event("poll", lambda d: d["id"].lower() == aid and d.get("voterCount") == 2, timeout=10)
        await host.signal.request("poll-close", {"pollId": aid})
        await a.signal.next_event("poll", lambda d: d["id"].lower() == aid and d["state"] == "closed", timeout=10)
        await ada.signal.next_event("poll", lambda d: d["id"].lower() == aid and d["state"] == "closed", timeout=10)
        for person in people:
            views = polls_seen(person, aid)
            assert views, person.name
            for view in views:
                assert "voters" not in view, view
                text = json.dumps(view).lower()
                assert a.id not in text and b.id not in text, view
        assert polls_seen(ada, aid)[-1]["counts"] == [1, 0, 2]

        # Q&A: ask (one anonymously), upvote once, withdraw, moderate.
        asked = (await b.signal.request("question-ask", {"text": "Who pays for lunch?", "anonymous": True}))["data"]
        qid = asked["id"].lower()
        heard = await a.signal.next_event("question", lambda d: d["id"].lower() == qid, timeout=10)
        assert "askedBy" not in heard and "askerName" not in heard and heard["votes"] == 0, heard
        other = (await a.signal.request("question-ask", {"text": "When is the next one?"}))["data"]
        assert other["askedBy"].lower() == a.id and other["askerName"] == "A", other
        assert (await a.signal.request("question-vote", {"questionId": qid}))["data"]["votes"] == 1
        again = (await a.signal.request("question-vote", {"questionId": qid}))["data"]
        assert again["votes"] == 1 and again["youVoted"] is True, again  # once each
        assert (await a.signal.request("question-vote", {"questionId": qid, "up": False}))["data"]["votes"] == 0
        assert (await a.signal.request("question-vote", {"questionId": qid}))["data"]["votes"] == 1
        assert (await host.signal.request("question-vote", {"questionId": qid}))["data"]["votes"] == 2
        await refused(a, "question-moderate", {"questionId": qid, "state": "answered"}, "forbidden")
        assert (await ada.signal.request("question-moderate", {"questionId": qid, "state": "answered"}))["type"] == "ack"
        await b.signal.next_event("question", lambda d: d["id"].lower() == qid and d["state"] == "answered", timeout=10)
        await refused(a, "question-vote", {"questionId": str(uuid.uuid4())}, "not_found")

        # A late joiner reads it all, questions by votes.
        await late.join(stack, code, replica=1)
        state = (await late.signal.request("engagement-get"))["data"]
        assert [p["id"].lower() for p in state["polls"]] == [pid, aid], state
        assert all(p["state"] == "closed" and "counts" in p and "voters" not in p for p in state["polls"]), state
        assert [q["id"].lower() for q in state["questions"]] == [qid, other["id"].lower()], state
        assert "askedBy" not in state["questions"][0], state

        # The report lists the polls with their tallies (never voters) and the questions by votes.
        report = stack.rest.call("GET", f"/v1/meetings/{code}/report", token=owner)
        assert [(p["id"].lower(), p["counts"]) for p in report["polls"]] == [(pid, [0, 2]), (aid, [1, 0, 2])], report
        assert all("voters" not in p for p in report["polls"]), report
        assert [(q["id"].lower(), q["votes"]) for q in report["questions"]] == [(qid, 2), (other["id"].lower(), 0)], report
        assert "askedBy" not in report["questions"][0] and report["questions"][1]["askerName"] == "A", report

        # Poll and Q&A messages have a rate of their own: a burst is cut, a chat still goes.
        replies = await asyncio.gather(*(late.signal.request("engagement-get") for _ in range(30)), return_exceptions=True)
        assert any(isinstance(r, SignalError) and r.code == "rate_limited" for r in replies), replies
        assert (await late.signal.request("chat", {"body": "still here"}))["type"] == "ack"

        # A host demoted over REST is refused at once: the role is read from PostgreSQL.
        stack.rest.call("PATCH", f"/v1/meetings/{code}/members/{ada_user}", {"role": "attendee"}, owner)
        await refused(ada, "poll-create", {"question": "Still host?", "options": ["yes", "no"]}, "forbidden")
    finally:
        for person in (*people, late):
            await person.close()


def test_polls_and_questions_across_replicas(stack):
    asyncio.run(asyncio.wait_for(scenario(stack), 90))
