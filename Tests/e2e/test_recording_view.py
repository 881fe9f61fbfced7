"""The web client's Recordings view (issue #18, docs/web-client.md,
"Recordings"), in headless Chromium: the owner records a few seconds of an
aiortc publisher, signs in, opens `/{code}?view=recordings`, sees the
recording with its composite and per-track files, plays the composite in
the page's `<video>` (fetched with the session's token) and sees
`currentTime` advance at 1280×720; then deletes the recording, and the list
is empty (the REST listing too).
"""
from __future__ import annotations

import asyncio
import uuid

import pytest
from meet_e2e.browser import MeetBrowser
from meet_e2e.env import WEB_DIR
from meet_e2e.fixtures import failed, stack_with_logs
from meet_e2e.participant import Participant
from meet_e2e.recorder import metric, start_recorder
from meet_e2e.waiting import wait_until
from selenium.webdriver.common.by import By

PASSWORD = "correct horse battery"


@pytest.fixture
def stack(tmp_path, request):
    # meet-api serves the web client, and directory-store files from the recorder's directory.
    yield from stack_with_logs(tmp_path, request, ws_replicas=1, sfu_nodes=1,
                               api_env={"MEET_RECORDING_DIR": str(tmp_path / "recordings"), "MEET_WEB_DIR": str(WEB_DIR)})


@pytest.fixture
def recorder(stack, tmp_path):
    yield start_recorder(stack, tmp_path, ws_replica=0, extra_env={"MEET_RECORDING_COMPOSITE": "true"})


@pytest.fixture
def browser(stack, request):
    opened = MeetBrowser("Owner", stack.api.base_url)
    yield opened
    if failed(request):
        print(opened.console())
    opened.quit()


async def record_a_few_seconds(stack, recorder, owner: str, code: str) -> dict:
    """A publisher recorded for about four seconds; the listing once its composite is made."""
    host = Participant("host")
    try:
        await host.join(stack, code, replica=0, token=owner)
        await host.publish()
        stack.rest.call("POST", f"/v1/meetings/{code}/recording", token=owner, expect=201)
        frames = "meet_recorder_frames_written_total"
        await wait_until(lambda: metric(recorder, frames) > 300, 30, "a few seconds recorded")
        stack.rest.call("DELETE", f"/v1/meetings/{code}/recording", token=owner)
        listing = f"/v1/meetings/{code}/recordings"
        return await wait_until(
            lambda: (lambda r: r if r["status"] == "stopped" and any(f["kind"] == "composite" for f in r["files"]) else None)(
                stack.rest.call("GET", listing, token=owner)["items"][0]), 60, "the composite listed")
    finally:
        await host.close()


# Polls the page's player until it has played a second and a half.
PLAYED = """
const video = document.getElementById('recordings-player');
return {src: video.currentSrc.slice(0, 5), time: video.currentTime, width: video.videoWidth, height: video.videoHeight,
        error: video.error && video.error.code, paused: video.paused};
"""


def test_the_owner_plays_and_deletes_a_recording_in_the_view(stack, recorder, browser):
    email = f"e2e-{uuid.uuid4().hex}@example.com"
    owner = stack.rest.call("POST", "/v1/auth/register", {"email": email, "password": PASSWORD, "displayName": "Owner"},
                            expect=201)["accessToken"]
    code = stack.rest.create_meeting(owner)
    recording = asyncio.run(asyncio.wait_for(record_a_few_seconds(stack, recorder, owner, code), 90))
    assert len(recording["files"]) == 3, recording["files"]  # audio, video, composite

    browser.sign_in(email, PASSWORD)
    browser.wait(lambda: browser.driver.find_element(By.ID, "signed-in").is_displayed(), 15, "signed in")
    browser.driver.get(f"{stack.api.base_url}/{code}?view=recordings")
    browser.wait_screen("recordings")
    buttons = browser.wait(lambda: browser.driver.find_elements(By.CSS_SELECTOR, "#recordings-list button"), 15, "the files")
    labels = [b.get_attribute("aria-label") or b.text for b in buttons]
    assert labels == [
        "Play Whole meeting (grid, mixed audio)", "Download Whole meeting (grid, mixed audio)",
        "Play Person 1 · video", "Download Person 1 · video", "Play Person 1 · audio", "Download Person 1 · audio",
        "Delete recording",
    ], labels
    browser.assert_accessible("the recordings view")

    buttons[0].click()
    first = browser.wait(lambda: (lambda s: s if s["src"] == "blob:" and s["time"] > 0 else None)(browser.js(PLAYED)), 20,
                         "the composite playing")
    played = browser.wait(lambda: (lambda s: s if s["time"] - first["time"] >= 1.0 else None)(browser.js(PLAYED)), 15,
                          "currentTime advancing a second")
    print(f"Chromium played the composite in the view: {first} -> {played}")
    assert played["error"] is None and (played["width"], played["height"]) == (1280, 720), played

    browser.js("window.confirm = () => true;")
    browser.driver.find_element(By.CSS_SELECTOR, "#recordings-list button.danger").click()
    browser.wait(lambda: browser.driver.find_element(By.ID, "recordings-empty").is_displayed(), 15, "the empty list")
    assert browser.driver.find_element(By.ID, "recordings-player-box").is_displayed() is False
    assert stack.rest.call("GET", f"/v1/meetings/{code}/recordings", token=owner)["items"] == []
