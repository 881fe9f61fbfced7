"""A seat outlives its join token (issue #13, item 1), in the real web client.

meet-api issues 10 s join tokens and meet-ws 3 s resume tokens (renewed every
second). The host and a guest meet in two Chromium browsers, each on its own
meet-ws replica. Once the guest's join token has expired, its replica is
killed (SIGKILL): the client reconnects to the other replica with the newest
resume token it was handed (`credentials`) and keeps its seat: the same
participant id, nobody sees it leave, and the host keeps decoding its camera.
Before, the expired join token was refused and the client joined again over
REST as a new participant.
"""
from __future__ import annotations

import time

import pytest
from meet_e2e.browser_flows import frames_from, meet, open_browsers
from meet_e2e.env import WEB_DIR
from meet_e2e.stack import Stack

browsers = pytest.fixture(name="browsers")(open_browsers)


@pytest.fixture(scope="module", name="stack")
def short_token_stack(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEET_WEB_DIR", str(WEB_DIR))
        patch.setenv("MEET_JOIN_TOKEN_TTL_SECONDS", "10")
        patch.setenv("MEET_WS_RESUME_TOKEN_TTL_SECONDS", "3")
        running = Stack(tmp_path_factory.mktemp("stack"))
    yield running
    running.stop()


def iso_seconds(stamp: str | None) -> float:
    """Seconds since 1970 of an ISO 8601 timestamp from the client's state (0 when absent)."""
    if not stamp:
        return 0.0
    from datetime import datetime
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def test_the_web_client_resumes_its_seat_after_its_join_token_expired(stack, browsers):
    host, guest, host_id, guest_id = meet(stack, browsers, waiting_room=False)
    assert guest.state()["resumeTokenExpiresAt"], "the guest was handed no resume token"

    # The join token expires while the guest sits in the meeting; resume tokens keep coming.
    guest.wait(lambda: iso_seconds(guest.state()["joinTokenExpiresAt"]) < time.time() - 1, 30,
               "the guest's join token expired")
    assert iso_seconds(guest.state()["resumeTokenExpiresAt"]) > time.time(), guest.state()

    # The guest's replica (the second) dies; the client finds the first one.
    guest.js("window.meetTest.wsUrl = arguments[0]", stack.ws_url(0))
    stack.replicas[1].kill()
    guest.wait(lambda: not guest.state()["connected"], 10, "the guest noticed its replica died")
    guest.wait(lambda: guest.state()["connected"], 30, "the guest reconnected")
    assert guest.state()["me"] == guest_id, "the guest came back as someone else (a new REST join)"

    # Nobody saw it leave, and its media never stopped.
    before = frames_from(host, guest_id, "camera")
    host.wait(lambda: frames_from(host, guest_id, "camera") > before, 10, "the guest's video after the resume")
    ids = [p["id"].lower() for p in host.state()["participants"]]
    assert sorted(ids) == sorted([host_id.lower(), guest_id.lower()]), ids
