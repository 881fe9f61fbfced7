"""meet-load's smoke run: the load tool against the test stack (meet-api, two
meet-ws replicas, two meet-sfu nodes), through the public APIs only.

Four participants in one meeting, two of them publishing synthetic VP8 and
Opus, for a few seconds. Everyone joins; every participant subscribes to
every publisher but itself (today's one connection per publisher) and
receives video frames on each of them; nothing is counted as an error.
"""
from __future__ import annotations

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.load import run_meet_load


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request)


def test_meet_load_smoke_run(stack):
    report, stderr = run_meet_load(
        stack, "--participants", "4", "--publishers", "2", "--join-rate", "10", "--duration", "4",
        "--video-kbps", "300", "--threads", "1", timeout=120)
    assert report["errorsTotal"] == 0, (report["errors"], stderr[-3000:])
    assert report["participants"] == {"planned": 4, "joined": 4, "publishing": 2}
    assert report["joinMs"]["count"] == 4
    # Publishers watch the other publisher, the rest watch both: 1 + 1 + 2 + 2.
    assert report["subscriptions"]["total"] == 6, report["subscriptions"]
    for subscriber in report["perSubscriber"]:
        expected = 1 if subscriber["publishes"] != "nothing" else 2
        assert subscriber["videoSubscriptions"] == expected, subscriber
        assert subscriber["videoSubscriptionsWithFrames"] == expected, subscriber
        assert subscriber["videoFrames"] > 0, subscriber
    assert report["sent"]["videoPackets"] > 0 and report["sent"]["audioPackets"] > 0
    # Each subscription asked for a keyframe when it connected, and the publishers answered.
    assert report["sent"]["keyframeRequests"] > 0
    assert report["firstFrameMs"]["count"] == 6
