"""Last-N end to end with aiortc (docs/signaling.md, "Last-N").

Five participants publish audio and 320×240 VP8 video on one node; a sixth,
V, subscribes to all five on its one connection to the node (`perNode`) and
decodes every section it gets, counting frames per publisher at the
receiver. Then:

1. Without `video-preferences`, V receives all five videos (as today).
2. `video-preferences {limit: 2, tiles: [P0, P1, P2]}`: the reply lists P0
   and P1; from then on exactly two videos arrive (P0's and P1's frame
   counts grow, the other three stand still), while all five audios keep
   coming.
3. A page change (`tiles: [P3, P4]`): P3's and P4's video resume (the node
   asks each publisher for a keyframe; aiortc answers a PLI with one) and
   P0's and P1's stop. The resumed videos must decode within one keyframe
   interval of the request: aiortc sends keyframes only when asked, so a
   resume whose keyframe request was lost would never decode again, and
   the wait below fails.
"""
from __future__ import annotations

import asyncio

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.node_connection import NodeConnection
from meet_e2e.participant import Participant
from meet_e2e.stack import Stack
from meet_e2e.waiting import wait_until

FRAMES = 10
PUBLISHERS = 5


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request)


async def prefer(viewer: NodeConnection, limit: int, tiles: list[str]) -> list[str]:
    """Sends `video-preferences`; returns the forwarded publishers of the reply."""
    reply = await viewer.subscriber.signal.request("video-preferences", {
        "limit": limit, "tiles": [{"participantId": p, "source": "camera", "maxHeight": 240} for p in tiles]})
    assert reply["type"] == "video-selection", reply
    return [v["participantId"].lower() for v in reply["data"]["forwarding"]]


async def scenario(stack: Stack) -> None:
    node = stack.nodes[0]
    owner = stack.rest.register("Vera")
    code = stack.rest.create_meeting(owner)
    publishers = [Participant(f"P{i}") for i in range(PUBLISHERS)]
    person = Participant("V")
    viewer = NodeConnection(person)
    try:
        await person.join(stack, code, replica=0, token=owner)
        for index, publisher in enumerate(publishers):
            await publisher.join(stack, code, replica=index % 2)
            await publisher.publish(node.node_id)
        ids = [p.id for p in publishers]
        for publisher_id in ids:
            await viewer.add(publisher_id)

        # 1. No preference: every video.
        await wait_until(lambda: all(viewer.frames("video").get(p, 0) > FRAMES for p in ids), 60,
                         f"video from all five ({viewer.counts})")

        # 2. Limit 2 of a page of 3: exactly two videos, every audio.
        assert await prefer(viewer, 2, ids[:3]) == ids[:2]
        # Packets already in flight when the selection landed may still decode: let them pass.
        paused_at = viewer.frames("video")
        await wait_until(lambda: all(viewer.frames("video")[p] > paused_at[p] + FRAMES for p in ids[:2]), 20,
                         f"P0 and P1 keep coming ({viewer.counts})")
        settled = viewer.frames("video")
        await wait_until(lambda: all(viewer.frames("video")[p] > settled[p] + FRAMES for p in ids[:2]), 20,
                         f"P0 and P1 keep coming ({viewer.counts})")
        now = viewer.frames("video")
        assert {p for p in ids if now[p] > settled[p]} == set(ids[:2]), (settled, now)
        audio = viewer.frames("audio")
        await wait_until(lambda: all(viewer.frames("audio")[p] > audio[p] + FRAMES for p in ids), 20,
                         f"every audio keeps coming ({viewer.counts})")

        # 3. The page turns: P3 and P4 within a keyframe request's answer, P0 and P1 stop.
        before = viewer.frames("video")
        assert await prefer(viewer, 2, ids[3:]) == ids[3:]
        await wait_until(lambda: all(viewer.frames("video")[p] > before[p] + FRAMES for p in ids[3:]), 20,
                         f"P3 and P4 resume with a keyframe ({viewer.counts})")
        settled = viewer.frames("video")
        await wait_until(lambda: all(viewer.frames("video")[p] > settled[p] + FRAMES for p in ids[3:]), 20,
                         f"P3 and P4 keep coming ({viewer.counts})")
        now = viewer.frames("video")
        assert {p for p in ids if now[p] > settled[p]} == set(ids[3:]), (settled, now)
    finally:
        await viewer.close()
        for participant in (*publishers, person):
            await participant.close()


def test_limit_two_of_five_videos_and_a_page_change(stack):
    asyncio.run(scenario(stack))
