"""The drain and failure scenarios of issue #6, shared by the end-to-end tests
(test_sfu_migration.py) and the benchmark (scripts/bench-migration).

`node_leaves(stack, node, "drain"|"kill")`: publishers A and B (replicas 1 and
2) on `node`, subscribers C (the host), D and E spread over both replicas;
once every subscriber decodes video from both, the node gets SIGTERM or
SIGKILL; the clients follow `migrate`. Returns, per subscriber and publisher,
the largest gap between two video frames around the event, and checks the
meeting lost nothing: every subscriber decodes both publishers again from
other nodes, nobody left, `participants.sfu_node_id` follows the move, a
drained node exits 0 with nothing left on it.
"""
from __future__ import annotations

import signal
import subprocess
import time

from .mover import Mover
from .stack import Stack
from .waiting import wait_until

STEADY_FRAMES = 15
AFTER_FRAMES = 30


def sfu_node_ids(stack: Stack, participant_ids: list[str]) -> dict[str, str | None]:
    """participants.sfu_node_id of each participant, read with psql."""
    ids = ",".join(f"'{p}'" for p in participant_ids)
    out = subprocess.run(
        ["psql", stack.database_url, "-At", "-F", "|", "-c",
         f"SELECT id, coalesce(sfu_node_id, '') FROM participants WHERE id IN ({ids})"],
        capture_output=True, text=True, timeout=20, check=True).stdout
    rows = dict(line.split("|", 1) for line in out.splitlines() if line)
    return {p: (rows.get(p) or None) for p in participant_ids}


async def start_meeting(stack: Stack, node, per_node: bool = False) -> tuple[list[Mover], list[Mover]]:
    """A and B publishing on `node`; C (host), D, E subscribed to both (with
    `per_node`, on one connection per node)."""
    owner = stack.rest.register("Carol")
    code = stack.rest.create_meeting(owner)
    a, b = Mover("A"), Mover("B")
    c, d, e = Mover("C", per_node), Mover("D", per_node), Mover("E", per_node)
    await c.join(stack, code, replica=0, token=owner)
    await a.join(stack, code, replica=0)
    await b.join(stack, code, replica=1)
    await d.join(stack, code, replica=1)
    await e.join(stack, code, replica=0)
    for publisher in (a, b):
        published = await publisher.publish(node.node_id)
        assert published["nodeId"] == node.node_id, published
    for subscriber in (c, d, e):
        for publisher in (a, b):
            await subscriber.subscribe(publisher.id)
    await wait_until(
        lambda: all(s.frame_count(p.id) > STEADY_FRAMES for s in (c, d, e) for p in (a, b)), 60,
        "every subscriber decodes video from both publishers")
    return [a, b], [c, d, e]


def moved(subscriber: Mover, publishers: list[Mover], node_id: str) -> bool:
    """Every subscription of `subscriber` to the publishers is on another node and has carried video."""
    subs = [s for s in subscriber.subscriptions.values() if s["publisher"] in {p.id for p in publishers}]
    return (len(subs) == len(publishers) and all(s["nodeId"] != node_id and s["first_frame"].is_set() for s in subs))


async def node_leaves(stack: Stack, node, how: str, drain_timeout: float | None = None, per_node: bool = False) -> dict:
    publishers, subscribers = await start_meeting(stack, node, per_node)
    everyone = publishers + subscribers
    try:
        event_at = time.monotonic()
        if how == "drain":
            node.process.send_signal(signal.SIGTERM)
        else:
            node.kill()

        # Every publisher republished elsewhere, every subscriber resubscribed there and decodes again.
        await wait_until(lambda: all(p.publication and p.publication["nodeId"] != node.node_id for p in publishers),
                         30, f"publishers moved off {node.node_id} ({[p.errors for p in everyone]})")
        await wait_until(lambda: all(moved(s, publishers, node.node_id) for s in subscribers), 30,
                         f"subscribers moved off {node.node_id} ({[s.errors for s in subscribers]})")
        counts = {(s.name, p.id): s.frame_count(p.id) for s in subscribers for p in publishers}
        await wait_until(lambda: all(s.frame_count(p.id) > counts[(s.name, p.id)] + AFTER_FRAMES
                                     for s in subscribers for p in publishers), 30,
                         "video keeps coming from the new nodes")

        result = {
            "how": how,
            "gaps": {s.name: {p.name: s.largest_gap(p.id, event_at) for p in publishers} for s in subscribers},
            "migrations": {m.name: [x["reason"] for x in m.migrations] for m in everyone},
        }
        if how == "drain":
            # The node leaves by itself once everything moved, well before its timeout, with status 0.
            await wait_until(lambda: node.process.poll() is not None, drain_timeout or 30, "the drained node to exit",
                             details=node.log)
            assert node.process.poll() == 0, f"drained node: exit status {node.process.poll()}\n{node.log()}"
            result["node_exit_seconds"] = time.monotonic() - event_at

        # Nothing of the meeting was lost.
        for m in everyone:
            assert not m.received("participant-left"), f"{m.name} saw someone leave: {m.received('participant-left')}"
            assert not m.received("kicked") and not m.received("meeting-ended"), m.name
        new_nodes = sfu_node_ids(stack, [p.id for p in publishers])
        for p in publishers:
            assert new_nodes[p.id] == p.publication["nodeId"] != node.node_id, (p.name, new_nodes, p.publication)
        result["errors"] = {m.name: m.errors for m in everyone if m.errors}
        return result
    finally:
        for m in everyone:
            await m.close()


def summary(result: dict) -> str:
    gaps = ", ".join(f"{s}: " + "/".join(f"{g * 1000:.0f}" for g in per.values())
                     for s, per in result["gaps"].items())
    extra = f", node exited after {result['node_exit_seconds']:.1f} s" if "node_exit_seconds" in result else ""
    return f"{result['how']}: largest video gap per subscriber (ms, from A/B): {gaps}{extra}"


async def replica_dies(stack: Stack) -> dict:
    """A and B publish (nodes 1 and 2) through replica 2, D subscribes through
    replica 2, C through replica 1; replica 2 gets SIGKILL. A, B and D resume
    on replica 1; media never stops; nobody is reported leaving."""
    owner = stack.rest.register("Carol")
    code = stack.rest.create_meeting(owner)
    a, b, c, d = Mover("A"), Mover("B"), Mover("C"), Mover("D")
    everyone = [a, b, c, d]
    try:
        await c.join(stack, code, replica=0, token=owner)
        for m in (a, b, d):
            await m.join(stack, code, replica=1)
        await a.publish(stack.nodes[0].node_id)
        await b.publish(stack.nodes[1].node_id)
        for subscriber in (c, d):
            for publisher in (a, b):
                await subscriber.subscribe(publisher.id)
        await wait_until(lambda: all(s.frame_count(p.id) > STEADY_FRAMES for s in (c, d) for p in (a, b)), 60,
                         "C and D decode video from A and B")
        event_at = time.monotonic()
        stack.replicas[1].kill()
        await wait_until(lambda: all(m.resumes for m in (a, b, d)), 30,
                         f"A, B and D resume on the other replica ({[m.errors for m in everyone]})")
        for m in (a, b, d):
            assert m.resumes[0]["data"].get("resumed") is True, (m.name, m.resumes[0])
        counts = {(s.name, p.id): s.frame_count(p.id) for s in (c, d) for p in (a, b)}
        await wait_until(lambda: all(s.frame_count(p.id) > counts[(s.name, p.id)] + AFTER_FRAMES
                                     for s in (c, d) for p in (a, b)), 30, "video keeps coming")
        # The sockets moved; the media transports did not.
        for m in everyone:
            assert not m.migrations, f"{m.name} was asked to migrate: {m.migrations}"
            assert not m.received("participant-left"), f"{m.name} saw someone leave: {m.received('participant-left')}"
        # The resumed sockets are fully working: chat from A (resumed) reaches C (never moved).
        await a.signal.request("chat", {"body": "still here"})
        await wait_until(lambda: any(x.get("body") == "still here" for x in c.received("chat")), 10, "chat from A")
        return {
            "how": "replica",
            "gaps": {s.name: {p.name: s.largest_gap(p.id, event_at) for p in (a, b)} for s in (c, d)},
            "resume_seconds": {m.name: m.resumes[0]["at"] - event_at for m in (a, b, d)},
        }
    finally:
        for m in everyone:
            await m.close()
