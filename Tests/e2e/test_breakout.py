"""Breakout rooms (issue #21, item 5) through the real stack: two meet-ws
replicas, two meet-sfu nodes, aiortc publishers.

- A host makes two rooms, assigns people by hand and opens them: each
  person gets `breakout-scope` listing only their room, with the tracks of
  its publishers, on the nodes where they already publish (no republish).
- Announcements are scoped: a hand raised in room 1 reaches room 1 only;
  a subscription across rooms is `forbidden`; one within a room carries media.
- Each room has its own chat, live and in the REST history.
- SIGKILL of replica 0 keeps the assignment: a person resuming on replica 1
  is still in room 1 (snapshot and plan).
- Closing with a countdown brings everyone back: the timer on the replicas
  sends `breakout-scope` for the main room with everyone in it.

A second test: subscriptions made before the rooms open, across what become
two rooms, are closed by the server (not left to the client): a transport of
the subscriber's own with `subscription-closed` (`breakout_scope`), one
publisher of a per-node connection without a re-offer; no video crosses
rooms while the room's own keeps coming.
"""
from __future__ import annotations

import asyncio
import json
import http.client

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.node_connection import NodeConnection
from meet_e2e.participant import Participant
from meet_e2e.signaling import Signal, SignalError
from meet_e2e.stack import Stack
from meet_e2e.waiting import wait_until


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request, sfu_nodes=2)


async def seen(person: Participant, type_: str, match=lambda data: True, timeout: float = 15) -> dict:
    """The first frame of `type_` this socket got (already or within `timeout`) whose data matches."""
    for _ in range(int(timeout * 10)):
        for message in person.signal.seen:
            if message.get("type") == type_ and match(message.get("data", {})):
                return message["data"]
        await asyncio.sleep(0.1)
    raise TimeoutError(f"{person.name}: no {type_}; saw {[m['type'] for m in person.signal.seen]}")


def ids(people) -> set[str]:
    return {p["id"].lower() for p in people}


def history(stack: Stack, code: str, token: str) -> list[str]:
    return [m["body"] for m in stack.rest.call("GET", f"/v1/meetings/{code}/messages", token=token)["items"]]


async def scenario(stack: Stack) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    host, a, b, c = Participant("Host"), Participant("A"), Participant("B"), Participant("C")
    people = [host, a, b, c]
    try:
        await host.join(stack, code, replica=1, token=owner)
        for person, replica in ((a, 0), (b, 1), (c, 0)):
            await person.join(stack, code, replica=replica)
        a_token, b_token, c_token = a.join_token, b.join_token, c.join_token
        published_a = await a.publish()
        published_c = await c.publish()
        await seen(b, "tracks", lambda d: d["participantId"].lower() == c.id and d["tracks"])

        # An attendee may not run breakout rooms.
        with pytest.raises(SignalError) as refused:
            await a.signal.request("breakout-create", {"count": 2})
        assert refused.value.code == "forbidden"

        plan = (await host.signal.request("breakout-create", {"count": 2}))["data"]
        room1, room2 = plan["rooms"][0]["id"], plan["rooms"][1]["id"]
        for person, room in ((a, room1), (b, room1), (c, room2)):
            await host.signal.request("breakout-assign", {"participantId": person.id, "roomId": room})
        opened = (await host.signal.request("breakout-open", {"durationSeconds": 600}))["data"]
        assert opened["status"] == "open"

        scope_b = await seen(b, "breakout-scope")
        assert scope_b["roomId"] == room1 and scope_b["roomName"] == "Room 1"
        assert ids(scope_b["participants"]) == {a.id, b.id}
        # Publications stay where they are: the scope lists A's tracks on A's node.
        assert {t["participantId"].lower() for t in scope_b["tracks"]} == {a.id}
        assert {t["nodeId"] for t in scope_b["tracks"]} == {published_a["nodeId"]}
        scope_c = await seen(c, "breakout-scope")
        assert scope_c["roomId"] == room2 and ids(scope_c["participants"]) == {c.id}
        assert ids((await seen(host, "breakout-scope"))["participants"]) == {host.id}

        # Media within a room; none across rooms.
        await b.subscribe(a.id)
        for _ in range(150):
            if b.frames > 0:
                break
            await asyncio.sleep(0.1)
        assert b.frames > 0, "no video from A in room 1"
        with pytest.raises(SignalError) as across:
            await b.signal.request("subscribe", {"participantId": c.id})
        assert across.value.code == "forbidden"

        # Scoped announcements and per-room chat.
        await a.signal.request("hand", {"raised": True})
        await seen(b, "participant-updated", lambda d: d["participant"]["id"].lower() == a.id)
        assert (await a.signal.request("chat", {"body": "room one only"}))["type"] == "ack"
        await seen(b, "chat", lambda d: d["body"] == "room one only")
        assert (await c.signal.request("chat", {"body": "room two only"}))["type"] == "ack"
        await seen(c, "chat", lambda d: d["body"] == "room two only")
        await host.signal.request("breakout-broadcast", {"text": "two minutes left"})
        for person in (a, b, c):
            await seen(person, "breakout-broadcast", lambda d: d["text"] == "two minutes left")
        await asyncio.sleep(1)  # let any stray delivery arrive before looking
        for outsider in (c, host):
            assert not any(m["type"] == "participant-updated" and m["data"]["participant"]["id"].lower() == a.id
                           for m in outsider.signal.seen), outsider.name
            assert not any(m["type"] == "chat" and m["data"]["body"] == "room one only" for m in outsider.signal.seen)
        assert not any(m["type"] == "chat" and m["data"]["body"] == "room two only" for m in b.signal.seen)
        assert "room one only" in history(stack, code, b_token) and "room two only" not in history(stack, code, b_token)
        assert "room two only" in history(stack, code, c_token) and "room one only" not in history(stack, code, c_token)
        assert {"room one only", "room two only"} <= set(history(stack, code, owner))
        # A file sent in room 1 is downloadable as its history is read: room 1 and the hosts, not room 2.
        connection = http.client.HTTPConnection("127.0.0.1", stack.api.port, timeout=30)
        try:
            connection.request("POST", f"/v1/meetings/{code}/attachments?name=notes.txt", body=b"room one notes",
                               headers={"Authorization": f"Bearer {a_token}", "Content-Type": "text/plain"})
            response = connection.getresponse()
            uploaded = json.loads(response.read())
            assert response.status == 201, uploaded
        finally:
            connection.close()
        sent = await a.signal.request("chat", {"body": "notes attached", "attachmentId": uploaded["id"]})
        assert sent["type"] == "ack", sent
        await seen(b, "chat", lambda d: d["body"] == "notes attached")
        path = f"/v1/meetings/{code}/attachments/{uploaded['id']}"
        assert stack.rest.fetch(path, b_token)[0] == 200
        assert stack.rest.fetch(path, owner)[0] == 200
        assert stack.rest.fetch(path, c_token)[0] == 404

        # Replica 0 dies: A resumes on replica 1, still in room 1.
        stack.replicas[0].kill()
        await a.signal.close()
        a.signal = Signal("A")
        await a.signal.connect(stack.ws_url(1), a_token)
        snapshot = (await a.signal.request("join"))["data"]
        assert snapshot["resumed"] is True
        assert ids(snapshot["participants"]) == {a.id, b.id}, snapshot["participants"]
        plan = await seen(a, "breakout")
        assert any(x["participantId"].lower() == a.id and x["roomId"] == room1 for x in plan["assignments"])

        # Close with a short countdown: everyone still connected is back in the main room.
        closing = (await host.signal.request("breakout-close", {"countdownSeconds": 1}))["data"]
        assert closing["status"] == "closing"
        for person in (host, a, b):
            back = await seen(person, "breakout-scope", lambda d: d.get("roomId") is None and len(d["participants"]) >= 3,
                              timeout=20)
            assert {host.id, a.id, b.id} <= ids(back["participants"]), person.name
        assert published_c["nodeId"]  # C's publication was never moved
    finally:
        for person in people:
            await person.close()


def test_breakout_rooms_scope_media_events_and_chat(stack):
    asyncio.run(asyncio.wait_for(scenario(stack), 150))


def video(person: Participant, publisher_id: str) -> int:
    return person.subscriptions[publisher_id]["counts"]["video"]


async def across_rooms(stack: Stack) -> None:
    """Subscriptions made before the rooms opened, across what become two rooms, are closed by the server:
    B's own transport to C (`subscription-closed`, `breakout_scope`) and C on D's per-node connection (taken
    off without a re-offer; A's media on the same connection goes on). No video from C reaches either while A's
    keeps coming; using or asking for C again is refused."""
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    host, a, b, c, d = Participant("Host"), Participant("A"), Participant("B"), Participant("C"), Participant("D")
    people = [host, a, b, c, d]
    connection = NodeConnection(d)
    try:
        await host.join(stack, code, replica=0, token=owner)
        for person, replica in ((a, 0), (b, 1), (c, 1), (d, 0)):
            await person.join(stack, code, replica=replica)
        node = stack.nodes[0].node_id
        for publisher in (a, c):  # one node: D's one connection carries both
            assert (await publisher.publish(node))["nodeId"] == node
        for publisher in (a, c):
            await seen(b, "tracks", lambda data, p=publisher: data["participantId"].lower() == p.id and data["tracks"])
            await b.subscribe(publisher.id)
        await connection.add(a.id)
        await connection.add(c.id)
        await wait_until(lambda: min(video(b, a.id), video(b, c.id), connection.video_from(a.id),
                                     connection.video_from(c.id)) > 10, 60, "B and D decode A and C")

        plan = (await host.signal.request("breakout-create", {"count": 2}))["data"]
        room1, room2 = plan["rooms"][0]["id"], plan["rooms"][1]["id"]
        for person, room in ((a, room1), (b, room1), (d, room1), (c, room2)):
            await host.signal.request("breakout-assign", {"participantId": person.id, "roomId": room})
        await host.signal.request("breakout-open", {})
        await seen(d, "breakout-scope")
        closed = await seen(b, "subscription-closed", lambda data: data["publisherParticipantId"].lower() == c.id)
        assert closed["reason"] == "breakout_scope", closed
        assert closed["transportId"] == b.subscriptions[c.id]["reply"]["transportId"]
        assert not any(m["type"] == "subscription-closed" for m in d.signal.seen), "D's connection still carries A"

        # No media from C while A's keeps coming, on B's transports and on D's one connection.
        async def a_advances(frames: int) -> None:
            start = (video(b, a.id), connection.video_from(a.id))
            await wait_until(lambda: video(b, a.id) > start[0] + frames and connection.video_from(a.id) > start[1] + frames,
                             30, "video from A goes on")

        await a_advances(15)  # frames already in flight when the server closed C's have arrived
        from_c = (video(b, c.id), connection.video_from(c.id))
        await a_advances(45)
        assert (video(b, c.id), connection.video_from(c.id)) == from_c, "video from C crossed rooms"

        # Using C's old subscriptions, or asking again, is refused.
        for request, body, expected in (
            ("unsubscribe", {"transportId": connection.transport_id, "participantId": c.id}, "not_found"),
            ("subscribe", {"participantId": c.id, "perNode": True}, "forbidden"),
        ):
            with pytest.raises(SignalError) as refused:
                await d.signal.request(request, body)
            assert refused.value.code == expected, (request, refused.value)
        with pytest.raises(SignalError) as refused:
            await b.signal.request("subscribe-answer", {"transportId": closed["transportId"], "answer": "v=0"})
        assert refused.value.code == "not_found"
    finally:
        await connection.close()
        for person in people:
            await person.close()


def test_server_closes_subscriptions_across_rooms(stack):
    asyncio.run(asyncio.wait_for(across_rooms(stack), 120))
