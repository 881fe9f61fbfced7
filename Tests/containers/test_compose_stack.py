"""docker-compose.yml run for real (issue #19): scripts/test-containers builds
the image with the unchanged Dockerfile, brings the file up through podman's
Docker API, and these tests check the stack from outside, through its
published ports only (REST :8080, signaling via ws-proxy :8081, media UDP
:10000 and :10001), with aiortc participants (Tests/e2e's `Mover`):

1. every service the file starts gets running and healthy (start-up time
   printed), meet-recorder included: its health check is its /readyz, which
   fails unless the recording volume takes a file;
2. a meeting spans both SFU nodes: two publishers on different nodes, each
   decoding the other's video and receiving its audio;
3. `docker compose stop` of the SFU service holding the publishers: the node
   drains, publishers and subscribers migrate to the other node, video
   resumes, nobody leaves, the container exits 0 well before its grace
   period (largest video gap and exit time printed); the service is started
   again and gets healthy;
4. `docker compose restart` of postgres, then of redis, under a live
   meeting: every service is healthy again, video kept flowing, nobody left,
   and a newcomer joins and publishes, and is seen (figures printed).

No assertion is about speed: waits poll with generous deadlines.
"""
from __future__ import annotations

import asyncio
import time

from compose_project import ComposeProject, ComposeStack
from meet_e2e.migration import moved
from meet_e2e.mover import Mover
from meet_e2e.waiting import wait_until

STEADY = 15
AFTER = 30
NODE_IDS = {"sfu-1", "sfu-2"}


async def decoding(subscriber: Mover, publishers: list[Mover], frames: int = STEADY, timeout: float = 60) -> None:
    await wait_until(lambda: all(subscriber.frame_count(p.id) > frames for p in publishers), timeout,
                     f"{subscriber.name} decodes video from {[p.name for p in publishers]}",
                     details=lambda: f"errors: {subscriber.errors}")


async def keeps_decoding(subscribers: list[Mover], publishers: list[Mover], timeout: float = 60) -> None:
    """Every subscriber decodes AFTER more frames from every publisher than it had so far."""
    counts = {(s.name, p.id): s.frame_count(p.id) for s in subscribers for p in publishers}
    await wait_until(lambda: all(s.frame_count(p.id) > counts[(s.name, p.id)] + AFTER
                                 for s in subscribers for p in publishers), timeout, "video keeps coming")


def nobody_left(people: list[Mover]) -> None:
    for m in people:
        assert not m.received("participant-left"), f"{m.name} saw someone leave: {m.received('participant-left')}"
        assert not m.received("kicked") and not m.received("meeting-ended"), m.name


async def meeting(stack: ComposeStack) -> tuple[str, str]:
    owner = stack.rest.register("Host")
    return owner, stack.rest.create_meeting(owner)


def test_every_service_gets_healthy(project: ComposeProject):
    states = project.wait_healthy(timeout=300)
    print(f"start-up: every service healthy {time.time() - project.up_started:.1f} s after `up` began: {states}")
    # The stack of docker-compose.yml, whatever else it gains.
    assert {"postgres", "redis", "meet-api", "meet-ws-1", "meet-ws-2", "ws-proxy", "meet-sfu-1", "meet-sfu-2",
            "meet-recorder"} <= set(states)
    # "running" would mean no health check ran: the recorder's must say healthy.
    assert states["meet-recorder"] == "healthy", project.logs("meet-recorder")


async def publishers_on_both_nodes(stack: ComposeStack, code: str, host: str) -> tuple[list[Mover], list[Mover]]:
    """Publishers joining one by one until the least-loaded placement has put
    one on each node (the first lands on one; once its node reports the
    load, the next goes to the other). Returns one publisher per node."""
    people: list[Mover] = []
    by_node: dict[str, Mover] = {}
    for index in range(4):
        m = Mover(f"P{index}")
        people.append(m)
        await m.join(stack, code, replica=0, token=host if index == 0 else None)
        node = (await m.publish())["nodeId"]
        by_node.setdefault(node, m)
        if len(by_node) == 2:
            break
        # Let the node's load report show this publisher before the next one is placed.
        watcher = Mover(f"W{index}")
        people.append(watcher)
        await watcher.join(stack, code, replica=0)
        await watcher.subscribe(m.id)
        await decoding(watcher, [m])
    assert set(by_node) == NODE_IDS, f"publishers only on {set(by_node)}"
    return list(by_node.values()), people


def test_a_meeting_spans_both_nodes_media_both_ways(stack):
    async def scenario() -> None:
        owner, code = await meeting(stack)
        people: list[Mover] = []
        try:
            (a, b), people = await publishers_on_both_nodes(stack, code, owner)
            await a.subscribe(b.id)
            await b.subscribe(a.id)
            await decoding(a, [b])
            await decoding(b, [a])
            # Audio too, both ways.
            for receiver, sender in ((a, b), (b, a)):
                pc = next(s["pc"] for s in receiver.subscriptions.values() if s["publisher"] == sender.id)
                await wait_until(lambda: _audio_packets(pc), 30, f"{receiver.name} receives {sender.name}'s audio")
            print(f"meeting: {a.name} on {a.publication['nodeId']}, {b.name} on {b.publication['nodeId']}; "
                  f"video and audio both ways")
            nobody_left(people)
        finally:
            for m in people:
                await m.close()

    asyncio.run(scenario())


async def _audio_packets(pc) -> int:
    stats = await pc.getStats()
    return sum(s.packetsReceived for s in stats.values() if s.type == "inbound-rtp" and s.kind == "audio")


def test_stopping_an_sfu_service_drains_it_and_participants_migrate(project, stack):
    async def scenario() -> dict:
        owner, code = await meeting(stack)
        host, a, b, d = Mover("C"), Mover("A"), Mover("B"), Mover("D")
        everyone = [host, a, b, d]
        service = None
        try:
            await host.join(stack, code, replica=0, token=owner)
            for m in (a, b, d):
                await m.join(stack, code, replica=0)
            node = (await a.publish())["nodeId"]
            await b.publish()
            publishers, subscribers = [a, b], [host, d]
            for s in subscribers:
                for p in publishers:
                    await s.subscribe(p.id)
                await decoding(s, publishers)
            leaving = [p for p in publishers if p.publication["nodeId"] == node]
            service = project.service_of_node(node)

            stopped_at = time.monotonic()
            stop = asyncio.ensure_future(asyncio.to_thread(project.compose, "stop", service, timeout=120))
            await wait_until(lambda: all(p.publication["nodeId"] != node for p in leaving), 45,
                             f"publishers moved off {node}", details=lambda: str([m.errors for m in everyone]))
            await wait_until(lambda: all(moved(s, leaving, node) for s in subscribers), 45,
                             f"subscribers moved off {node}", details=lambda: str([m.errors for m in everyone]))
            await keeps_decoding(subscribers, publishers)
            await stop
            exited_after = time.monotonic() - stopped_at
            assert project.exit_code(service) == 0, f"{service} exit code {project.exit_code(service)}\n{project.logs(service)}"
            nobody_left(everyone)
            return {
                "service": service, "node": node, "exited_after": exited_after,
                "gaps": {s.name: {p.name: s.largest_gap(p.id, stopped_at) for p in leaving} for s in subscribers},
                "migrations": {m.name: [x["reason"] for x in m.migrations] for m in everyone},
            }
        finally:
            for m in everyone:
                await m.close()
            if service is not None:
                project.compose("start", service)

    result = asyncio.run(scenario())
    gaps = ", ".join(f"{s}: " + "/".join(f"{g * 1000:.0f}" for g in per.values()) for s, per in result["gaps"].items())
    print(f"drain: `stop {result['service']}` ({result['node']}): largest video gap per subscriber (ms, "
          f"from the publishers that moved): {gaps}; container exited 0 after {result['exited_after']:.1f} s; "
          f"migrations {result['migrations']}")
    # The node is back for the tests after this one.
    project.wait_healthy(timeout=120)


def test_restarting_postgres_and_redis_is_ridden_out(project, stack):
    async def scenario() -> dict:
        owner, code = await meeting(stack)
        host, a, b = Mover("C"), Mover("A"), Mover("B")
        everyone = [host, a, b]
        try:
            await host.join(stack, code, replica=0, token=owner)
            for m in (a, b):
                await m.join(stack, code, replica=0)
            await a.publish()
            await b.subscribe(a.id)
            await host.subscribe(a.id)
            await decoding(b, [a])
            await decoding(host, [a])
            started = time.monotonic()
            figures = {}
            for service in ("postgres", "redis"):
                at = time.monotonic()
                await asyncio.to_thread(project.compose, "restart", service, timeout=120)
                restarted = time.monotonic() - at
                await asyncio.to_thread(project.wait_healthy, 180)
                figures[service] = (restarted, time.monotonic() - at)
            await keeps_decoding([b, host], [a])
            # A newcomer after both restarts: REST join (PostgreSQL), signaling join
            # (Redis presence), a publish placed on a node (the registry refilled).
            e = Mover("E")
            everyone.append(e)
            await e.join(stack, code, replica=0)
            await e.subscribe(a.id)
            await decoding(e, [a])
            await e.publish()
            await b.subscribe(e.id)
            await decoding(b, [e])
            nobody_left(everyone)
            return {"figures": figures, "gap": b.largest_gap(a.id, started),
                    "resumes": {m.name: len(m.resumes) for m in everyone}}
        finally:
            for m in everyone:
                await m.close()

    result = asyncio.run(scenario())
    figures = "; ".join(f"{s}: restart took {r:.1f} s, every service healthy {h:.1f} s after it began"
                        for s, (r, h) in result["figures"].items())
    print(f"restarts: {figures}; B's largest video gap from A {result['gap'] * 1000:.0f} ms; "
          f"socket resumes {result['resumes']}")
