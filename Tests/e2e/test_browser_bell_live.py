"""The home page's notification bell, live (issue #20; docs/signaling.md
"User sockets", docs/web-client.md "Scheduling"): headless Chromium against
meet-api and one meet-ws.

Bob signs up on the home page and stays there, in no meeting: his page opens
its user socket on meet-ws. Ann, another user (over REST), creates a meeting
and invites Bob's account; the bell's count on Bob's page goes from nothing
to 1 without a reload. The poll cannot be what shows it: with the user
socket up the bell polls every 5 minutes (30 s without it), and the test
waits 20 s at most.
"""
from __future__ import annotations

import asyncio
import uuid

import pytest
from meet_e2e.browser_flows import open_browsers
from meet_e2e.env import WEB_DIR
from meet_e2e.stack import Rest, Service, Stack
from test_browser_schedule import register
from test_notification_push import wait_for_subscribers

browsers = pytest.fixture(name="browsers")(open_browsers)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """One meet-ws, no node; meet-api started after it, so that MEET_PUBLIC_WS_URL names the real
    meet-ws (the stack's own meet-api starts first, with a placeholder URL)."""
    assert (WEB_DIR / "index.html").exists(), f"no web client at {WEB_DIR}"
    tmp = tmp_path_factory.mktemp("stack")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEET_WEB_DIR", str(WEB_DIR))
        running = Stack(tmp, ws_replicas=1, sfu_nodes=0)
        try:
            api = Service("meet-api", "meet-api-live", tmp, {**running.common_env, "MEET_PUBLIC_WS_URL": running.ws_url(0)})
        except Exception:
            running.stop()
            raise
    running.processes.append(api)
    running.api = api
    running.rest = Rest(api.base_url)
    yield running
    running.stop()


def test_an_invitation_from_another_user_raises_the_bell_count_without_a_reload(stack: Stack, browsers):
    bob = browsers("Bob")
    bob.driver.get(stack.api.base_url + "/")
    bob.wait_screen("home")
    register(bob, "Bob", f"bob-{uuid.uuid4().hex[:8]}@example.com")
    bob.wait(lambda: bob.js("return !document.getElementById('bell-box').hidden"), 15, "the bell")
    session = bob.js("return JSON.parse(localStorage.getItem('meet.session'))")
    bob_id, bob_token = session["user"]["id"], session["accessToken"]
    assert stack.rest.call("GET", "/v1/notifications/socket", token=bob_token)["wsUrl"] == stack.ws_url(0) + "/user"
    # The page's user socket holds Bob's channel on meet-ws (no meeting joined).
    asyncio.run(wait_for_subscribers(stack, bob_id, 1))
    assert bob.js("return document.getElementById('bell-count').hidden") is True
    bob.js("window.__sameDocument = true")

    ann = stack.rest.register("Ann")
    code = stack.rest.create_meeting(ann)
    stack.rest.call("POST", f"/v1/meetings/{code}/invitations", {"userId": bob_id}, ann, expect=201)

    bob.wait(lambda: bob.js("return document.getElementById('bell-count').textContent") == "1", 20,
             "the bell's count at 1, pushed")
    assert bob.js("return window.__sameDocument === true"), "the page was reloaded"
    assert bob.js("return document.getElementById('bell-count').hidden") is False
