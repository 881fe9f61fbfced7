"""A node drained mid-recording (issue #18, docs/dev/recording.md): the
publisher on it moves to the other node (`migrate`, make-before-break), and
the recorder, a hidden subscriber like any other, follows: the file of the old
transport ends, a file of the new one starts, and the gap between them is
small and measured (printed), not a lost recording.
"""
from __future__ import annotations

import asyncio
import signal
import subprocess

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.mover import Mover
from meet_e2e.recorder import metric, start_recorder
from meet_e2e.waiting import wait_until

# Generous: the drain's make-before-break and a keyframe on the new transport, on a loaded machine.
MAX_GAP_MS = 3000


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request, sfu_nodes=2)


@pytest.fixture
def recorder(stack, tmp_path):
    yield start_recorder(stack, tmp_path, ws_replica=0)


def test_the_recording_follows_a_publisher_off_a_draining_node(stack, recorder):
    asyncio.run(asyncio.wait_for(drain_scenario(stack, recorder), 150))


async def drain_scenario(stack, recorder) -> None:
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    host, publisher = Mover("host"), Mover("A")
    drained = stack.nodes[0]
    try:
        await host.join(stack, code, replica=0, token=owner)
        await publisher.join(stack, code, replica=1)
        published = await publisher.publish(drained.node_id)
        assert published["nodeId"] == drained.node_id, published

        stack.rest.call("POST", f"/v1/meetings/{code}/recording", token=owner, expect=201)
        await wait_until(lambda: metric(recorder, "meet_recorder_frames_written_total") > 60, 30,
                         "the recorder writing the publisher's media")

        drained.process.send_signal(signal.SIGTERM)
        await wait_until(lambda: publisher.publication and publisher.publication["nodeId"] != drained.node_id, 30,
                         "the publisher moved off the draining node")
        moved_at = metric(recorder, "meet_recorder_frames_written_total")
        await wait_until(lambda: metric(recorder, "meet_recorder_files_finished_total") >= 2
                         and metric(recorder, "meet_recorder_frames_written_total") > moved_at + 60, 30,
                         "the old transport's files finished and the new one's recorded")

        stack.rest.call("DELETE", f"/v1/meetings/{code}/recording", token=owner)
        listing = f"/v1/meetings/{code}/recordings"
        finished = await wait_until(
            lambda: (lambda r: r if r["status"] == "stopped" and len(r["files"]) == 4 else None)(
                stack.rest.call("GET", listing, token=owner)["items"][0]), 30,
            "the recording stopped with the files of both transports")

        for kind in ("audio", "video"):
            files = sorted((f for f in finished["files"] if f["kind"] == kind), key=lambda f: f["startMs"])
            assert len(files) == 2 and files[0]["trackId"] != files[1]["trackId"], files
            old, new = files
            gap = new["startMs"] - (old["startMs"] + old["durationMs"])
            print(f"drain gap ({kind}): {gap} ms (old file {old['durationMs']} ms, new file {new['durationMs']} ms)")
            # The two files may overlap (both transports forwarded for a moment): never a long hole.
            assert gap <= MAX_GAP_MS, (kind, gap, files)
            for file in files:
                out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                                      file["storageKey"]], capture_output=True, text=True, timeout=30, check=True).stdout
                assert out.strip() == ("vp8" if kind == "video" else "opus"), (file, out)
    finally:
        await asyncio.gather(host.close(), publisher.close(), return_exceptions=True)
