"""Talk time per person in the meeting report (docs/scheduling.md, "Talk time"), end to end.

One node, two meet-ws replicas, real processes. Ann (the owner) publishes a steady 440 Hz
tone through replica 1; Bob (a guest) publishes aiortc's silence through replica 2. aiortc
writes each frame's RFC 6464 level into its audio packets; the node ranks the tone and reports
it on the bus; both replicas record the report, and the replica holding Ann's socket measures
her talk time and flushes it to PostgreSQL (every second here,
`MEET_WS_TALK_TIME_FLUSH_SECONDS=1`, and when her socket leaves). Then:

1. While she speaks, the owner's report shows her talk time growing and Bob's at 0.
2. The tone stops and both leave: her talk time is at least what it was, never more than the
   time she was present, and Bob's is still 0; the CSV has the same figures in `talk_seconds`;
   her own report (`/v1/users/me/report`) has it too.
"""
from __future__ import annotations

import asyncio
import csv
import io
import time
import urllib.request

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.media import SizedVideoTrack, ToneTrack, force_codecs
from meet_e2e.participant import Participant
from meet_e2e.stack import Stack


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request, sfu_nodes=1, ws_env={"MEET_WS_TALK_TIME_FLUSH_SECONDS": "1"})


async def publish(person: Participant, audio, node_id: str) -> None:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTrack(audio)
    pc.addTrack(SizedVideoTrack())
    force_codecs(pc)
    await pc.setLocalDescription(await pc.createOffer())
    reply = await person.signal.request("publish", {"offer": pc.localDescription.sdp, "nodeId": node_id})
    assert reply["type"] == "published", reply
    await pc.setRemoteDescription(RTCSessionDescription(sdp=reply["data"]["answer"], type="answer"))
    person.publisher = pc


def talk(report: dict) -> dict[str, int]:
    return {entry["participantId"].lower(): entry["talkSeconds"] for entry in report["attendance"]}


async def poll_report(stack: Stack, code: str, token: str, done, timeout: float) -> dict:
    """The report, read every half second until `done(report)` (at most `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        report = stack.rest.call("GET", f"/v1/meetings/{code}/report", token=token)
        if done(report):
            return report
        assert time.monotonic() < deadline, f"the report did not get there in {timeout} s: {report}"
        await asyncio.sleep(0.5)


async def scenario(stack: Stack) -> None:
    (node,) = stack.nodes
    owner = stack.rest.register("Ann")
    code = stack.rest.create_meeting(owner)
    ann, bob = Participant("Ann"), Participant("Bob")
    tone = ToneTrack()
    try:
        await ann.join(stack, code, replica=0, token=owner)
        await bob.join(stack, code, replica=1)
        await publish(ann, tone, node.node_id)
        await publish(bob, AudioStreamTrack(), node.node_id)
        await ann.signal.next_event(
            "active-speakers", lambda d: [s["participantId"].lower() for s in d["speakers"]] == [ann.id], timeout=30)

        # 1. Flushed every second while she speaks: it grows to 3 s; Bob has none.
        during = await poll_report(stack, code, owner, lambda r: talk(r).get(ann.id, 0) >= 3, timeout=60)
        assert talk(during)[bob.id] == 0, during

        # 2. Silence, then both leave (each socket's talk time is flushed as it goes).
        tone.on = False
        for person in (ann, bob):
            await person.signal.next_event("active-speakers", lambda d: d["speakers"] == [], timeout=30)
            assert (await person.signal.request("leave"))["type"] == "ack"
        await poll_report(stack, code, owner, lambda r: all("leftAt" in e for e in r["attendance"]), timeout=30)
        # Settled: two reads two flush intervals apart agree (the last flush may trail the leave).
        final = stack.rest.call("GET", f"/v1/meetings/{code}/report", token=owner)
        for _ in range(20):
            await asyncio.sleep(2)
            again = stack.rest.call("GET", f"/v1/meetings/{code}/report", token=owner)
            if talk(again) == talk(final):
                break
            final = again
        else:
            pytest.fail(f"the talk time kept changing after everyone left: {final}")
        seats = {entry["participantId"].lower(): entry for entry in final["attendance"]}
        spoke = seats[ann.id]["talkSeconds"]
        print(f"talk time: Ann {spoke} s of {seats[ann.id]['secondsPresent']} s present; "
              f"Bob {seats[bob.id]['talkSeconds']} s of {seats[bob.id]['secondsPresent']} s")
        assert talk(during)[ann.id] <= spoke <= seats[ann.id]["secondsPresent"] + 1, final
        assert seats[bob.id]["talkSeconds"] == 0, final

        request = urllib.request.Request(f"{stack.api.base_url}/v1/meetings/{code}/report?format=csv")
        request.add_header("Authorization", f"Bearer {owner}")
        with urllib.request.urlopen(request, timeout=10) as response:
            rows = list(csv.DictReader(io.StringIO(response.read().decode())))
        assert {row["name"]: int(row["talk_seconds"]) for row in rows} == {"Ann": spoke, "Bob": 0}, rows

        mine = stack.rest.call("GET", "/v1/users/me/report", token=owner)
        assert mine["talkSeconds"] == spoke and [m["talkSeconds"] for m in mine["meetings"]] == [spoke], mine
    finally:
        await ann.close()
        await bob.close()


def test_the_report_shows_who_spoke_and_for_how_long(stack):
    asyncio.run(asyncio.wait_for(scenario(stack), 180))
