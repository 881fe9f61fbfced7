"""A meet-sfu node drains (SIGTERM) while everyone sits in breakout rooms
(issue #21, item 5: "a node drain during breakouts loses nobody"), through
the real stack: meet-api, two meet-ws replicas, two meet-sfu nodes, aiortc
clients that follow `migrate` with one subscriber connection per node.

Room 1 holds A and B, room 2 holds C and D; A and C publish on the node that
drains, B and D on the other; each watches the other person in its room.
After the SIGTERM: A and C republish on the other node, their watchers
follow them there and decode video again, the drained node exits 0;
nobody changes room (no new `breakout-scope`, the stored plan unchanged),
nobody leaves, and nobody gets anything (a `tracks` event, a `migrate`, a
video frame) about someone in the other room.
"""
from __future__ import annotations

import asyncio
import signal
import time

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.mover import Mover
from meet_e2e.signaling import SignalError
from meet_e2e.stack import Stack
from meet_e2e.waiting import wait_until

DRAIN_TIMEOUT = 20


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request, sfu_nodes=2, node_env={"MEET_SFU_DRAIN_TIMEOUT": str(DRAIN_TIMEOUT)})


async def scope_of(person: Mover, timeout: float = 15) -> dict:
    await wait_until(lambda: person.received("breakout-scope"), timeout, f"{person.name}: a breakout-scope")
    return person.received("breakout-scope")[-1]


async def drain_during_breakouts(stack: Stack) -> dict:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    host = Mover("Host")
    a, b, c, d = (Mover(name, per_node=True) for name in "ABCD")
    everyone = [host, a, b, c, d]
    draining, staying = stack.nodes[0], stack.nodes[1]
    try:
        await host.join(stack, code, replica=0, token=owner)
        for person, replica in ((a, 0), (b, 1), (c, 1), (d, 0)):
            await person.join(stack, code, replica=replica)
        rooms = {a.id: b, b.id: a, c.id: d, d.id: c}  # who watches whom, within each room
        for publisher, node in ((a, draining), (b, staying), (c, draining), (d, staying)):
            assert (await publisher.publish(node.node_id))["nodeId"] == node.node_id

        plan = (await host.signal.request("breakout-create", {"count": 2}))["data"]
        room_of = {a.id: plan["rooms"][0]["id"], b.id: plan["rooms"][0]["id"],
                   c.id: plan["rooms"][1]["id"], d.id: plan["rooms"][1]["id"]}
        for person in (a, b, c, d):
            await host.signal.request("breakout-assign", {"participantId": person.id, "roomId": room_of[person.id]})
        opened = (await host.signal.request("breakout-open", {}))["data"]
        opened_at = time.monotonic()
        for person in (a, b, c, d):
            scope = await scope_of(person)
            assert scope["roomId"] == room_of[person.id], (person.name, scope)
        for watcher in (a, b, c, d):
            await watcher.subscribe(rooms[watcher.id].id)
        await wait_until(lambda: all(w.frame_count(rooms[w.id].id) > 15 for w in (a, b, c, d)), 60,
                         "everyone decodes the other person in the room")

        drained_at = time.monotonic()
        scopes_before = {p.name: len(p.received("breakout-scope")) for p in everyone}
        draining.process.send_signal(signal.SIGTERM)
        await wait_until(lambda: all(p.publication["nodeId"] == staying.node_id for p in (a, c)), 30,
                         f"A and C republish on {staying.node_id} ({[p.errors for p in everyone]})")

        def moved(watcher: Mover) -> bool:
            publisher = rooms[watcher.id].id
            subs = [s for s in watcher.subscriptions.values() if s["publisher"] == publisher]
            return bool(subs) and all(s["nodeId"] == staying.node_id and s["first_frame"].is_set() for s in subs)

        await wait_until(lambda: moved(b) and moved(d), 30, f"B and D follow A and C ({[p.errors for p in everyone]})")
        counts = {w.name: w.frame_count(rooms[w.id].id) for w in (a, b, c, d)}
        await wait_until(lambda: all(w.frame_count(rooms[w.id].id) > counts[w.name] + 30 for w in (a, b, c, d)), 30,
                         "video goes on in both rooms")
        await wait_until(lambda: draining.process.poll() is not None, DRAIN_TIMEOUT + 10, "the drained node to exit",
                         details=draining.log)
        assert draining.process.returncode == 0, draining.log()

        # Everyone kept their room: no new scope, the plan as it was opened.
        assert {p.name: len(p.received("breakout-scope")) for p in everyone} == scopes_before
        kept = (await host.signal.request("breakout-get"))["data"]
        assert kept["status"] == "open" and kept["revision"] == opened["revision"], kept
        # Nobody left, nobody heard of or got media from the other room.
        for person in (a, b, c, d):
            inside = {person.id, rooms[person.id].id}
            assert not person.received("participant-left"), person.name
            after_open = [m for at, m in person.events if at > opened_at]
            about = {m["data"]["participantId"].lower() for m in after_open if m["type"] == "tracks"}
            assert about <= inside, (person.name, about)
            migrated = {(x.get("publisherParticipantId") or "").lower() for x in person.migrations} - {""}
            assert migrated <= inside, (person.name, migrated)
            assert set(person.frames) <= inside, (person.name, set(person.frames))
            assert not person.errors, (person.name, person.errors)
        with pytest.raises(SignalError) as across:
            await b.signal.request("subscribe", {"participantId": c.id, "perNode": True})
        assert across.value.code == "forbidden"
        return {
            "migrations": {p.name: [x["reason"] for x in p.migrations] for p in everyone},
            "gaps": {w.name: w.largest_gap(rooms[w.id].id, drained_at) for w in (a, b, c, d)},
            "node_exit_seconds": time.monotonic() - drained_at,
        }
    finally:
        for person in everyone:
            await person.close()


def test_drain_during_breakouts_keeps_rooms_and_moves_media(stack):
    result = asyncio.run(asyncio.wait_for(drain_during_breakouts(stack), 150))
    print("drain during breakouts: largest video gap (ms) "
          + ", ".join(f"{name} {gap * 1000:.0f}" for name, gap in result["gaps"].items())
          + f"; node exited after {result['node_exit_seconds']:.1f} s")
    assert sorted(result["migrations"]["A"]) == ["node_draining"] and sorted(result["migrations"]["C"]) == ["node_draining"]
    assert result["migrations"]["B"] == ["publisher_moved"] and result["migrations"]["D"] == ["publisher_moved"]
