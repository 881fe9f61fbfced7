"""meet-load's smoke run: the load tool against the test stack (meet-api, two
meet-ws replicas, two meet-sfu nodes), through the public APIs only.

Four participants in one meeting, two of them publishing synthetic VP8 and
Opus, for a few seconds. Everyone joins; every participant subscribes to
every publisher but itself and receives video frames from each; nothing is
counted as an error. By default as the web client does (one subscriber
connection per node, last-N preferences); also with one connection per
publisher (the protocol before last-N); and with a last-N limit of 1 in a
room of three video publishers, where each watcher receives exactly one
video and the paused ones count no freeze. With `--poll-after`, five
participants answer the owner's poll and all get its results.
"""
from __future__ import annotations

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.load import run_meet_load


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request)


@pytest.mark.parametrize("mode", ["per-node", "per-publisher"])
def test_meet_load_smoke_run(stack, mode):
    report, stderr = run_meet_load(
        stack, "--participants", "4", "--publishers", "2", "--join-rate", "10", "--duration", "4",
        "--video-kbps", "300", "--threads", "1", "--subscribe", mode, timeout=120)
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
    # One subscriber connection per node holding a publisher (at most the two nodes), or one per publisher.
    for subscriber in report["perSubscriber"]:
        watched = 1 if subscriber["publishes"] != "nothing" else 2
        if mode == "per-publisher":
            assert subscriber["subscriberConnections"] == watched, subscriber
        else:
            assert 1 <= subscriber["subscriberConnections"] <= watched, subscriber


def test_meet_load_last_n_forwards_only_the_limit(stack):
    report, stderr = run_meet_load(
        stack, "--participants", "5", "--publishers", "3", "--join-rate", "10", "--duration", "5",
        "--video-kbps", "300", "--threads", "1", "--video-limit", "1", "--no-follow-speakers", timeout=120)
    assert report["errorsTotal"] == 0, (report["errors"], [l for l in stderr.splitlines() if "warning" in l])
    assert "last-N 1" in report["config"]["strategy"], report["config"]
    for subscriber in report["perSubscriber"]:
        # Every publisher is subscribed (audio flows from all), but video comes from one: the page's first.
        watched = 2 if subscriber["publishes"] != "nothing" else 3
        assert subscriber["videoSubscriptions"] == watched, subscriber
        assert subscriber["videoSubscriptionsWithFrames"] == 1, subscriber
        assert subscriber["subscriptionsWithMedia"] == watched, subscriber
    # Videos never forwarded are paused on purpose, not frozen.
    assert report["subscribers"]["freezes"] == 0, report["subscribers"]


def test_meet_load_with_audio_slots_receives_audio_through_the_slots(stack):
    """`--audio-slots 1`: each subscriber's node connections carry one audio slot each and no
    publisher's own audio section; the slots deliver audio (a subscription of their own in the report)."""
    report, stderr = run_meet_load(
        stack, "--participants", "4", "--publishers", "2", "--join-rate", "10", "--duration", "4",
        "--video-kbps", "300", "--threads", "1", "--audio-slots", "1", timeout=120)
    assert report["errorsTotal"] == 0, (report["errors"], stderr[-3000:])
    assert "1 audio slots" in report["config"]["strategy"], report["config"]
    for subscriber in report["perSubscriber"]:
        watched = 1 if subscriber["publishes"] != "nothing" else 2
        # Video from each publisher watched, and audio through the slots.
        assert subscriber["videoSubscriptionsWithFrames"] == watched, subscriber
        assert subscriber["subscriptionsWithMedia"] > watched, subscriber


def test_meet_load_turning_pages_sees_each_page_without_freezes(stack):
    """`--page-turn-seconds 1` with one tile a page in a room of three video publishers: every
    watcher turns pages, receives video from more than one publisher over the run (each page's
    tile is resumed with a keyframe), and the paused ones count no freeze."""
    report, stderr = run_meet_load(
        stack, "--participants", "5", "--publishers", "3", "--join-rate", "10", "--duration", "6",
        "--video-kbps", "300", "--threads", "1", "--video-limit", "1", "--page-size", "1",
        "--no-follow-speakers", "--page-turn-seconds", "1", timeout=120)
    assert report["errorsTotal"] == 0, (report["errors"], stderr[-3000:])
    for subscriber in report["perSubscriber"]:
        assert subscriber["pageTurns"] >= 3, subscriber
        assert subscriber["videoSubscriptionsWithFrames"] >= 2, subscriber
    assert report["subscribers"]["freezes"] == 0, report["subscribers"]


def test_meet_load_times_speaker_changes_and_owes_nothing_for_paused_slotted_publishers(stack):
    """`--speaker-turn-seconds`: the one loud speaker moves to the next of three audio publishers
    every 2 s, and every participant, on either replica, hears of each newcomer through
    `active-speakers` (timed from the turn's start). With last-N 1 and one audio slot, a
    publisher whose video is paused and whose audio plays through the slot delivers nothing of
    its own, and that is no `no_first_frame` error."""
    report, stderr = run_meet_load(
        stack, "--participants", "5", "--publishers", "3", "--join-rate", "10", "--duration", "8",
        "--video-kbps", "300", "--threads", "1", "--video-limit", "1", "--no-follow-speakers",
        "--audio-slots", "1", "--speakers", "1", "--speaker-turn-seconds", "2", "--first-frame-timeout", "2",
        timeout=120)
    assert report["errorsTotal"] == 0, (report["errors"], stderr[-3000:])
    speakers = report["activeSpeakers"]
    # Each of the 5 saw at least two whole turns begin and end while joined.
    assert speakers["turns"] >= 10, speakers
    # Nearly every turn was heard (a loaded machine may miss the odd one by its end).
    assert speakers["timed"] >= 0.8 * speakers["turns"], speakers
    assert speakers["changeMs"]["count"] == speakers["timed"] and speakers["changeMs"]["min"] > 0, speakers
    # Every watcher gets video (a second one may show frames before the first video-selection).
    for subscriber in report["perSubscriber"]:
        assert subscriber["videoSubscriptionsWithFrames"] >= 1, subscriber


def test_meet_load_poll_every_participant_votes_and_gets_the_results(stack):
    """`--poll-after`: the owner joins as the host, launches a poll after the last join; each of the
    five participants votes once; the host closes it when its tally counts all five; everyone gets the
    results, and every timing has one sample per participant."""
    report, stderr = run_meet_load(
        stack, "--participants", "5", "--publishers", "0", "--join-rate", "10", "--duration", "2",
        "--poll-after", "0.5", "--poll-timeout", "20", "--threads", "1", timeout=120)
    assert report["errorsTotal"] == 0, (report["errors"], stderr[-3000:])
    poll = report["poll"]
    assert poll["votersPlanned"] == 5 and poll["votesCounted"] == 5, poll
    assert poll["resultsDelivered"] == 5 and poll["incompleteResults"] == 0, poll
    for timing in ("openMs", "voteMs", "resultsMs", "closeFanOutMs"):
        assert poll[timing]["count"] == 5, (timing, poll[timing])
    assert poll["allCountedMs"][0] is not None and poll["everyoneHasResultsMs"][0] is not None, poll
    assert poll["allCountedMs"][0] <= poll["everyoneHasResultsMs"][0], poll
