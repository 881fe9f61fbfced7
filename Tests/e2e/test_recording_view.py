"""The web client's Recordings view (issue #18, docs/web-client.md,
"Recordings"), in headless Chromium: the owner records a few seconds of an
aiortc publisher, signs in, opens `/{code}?view=recordings`, sees the
recording with its composite and per-track files, plays the composite in
the page's `<video>` from a short-lived playback URL (`POST
…/files/{fileId}/playback`) and sees `currentTime` advance at 1280×720;
seeks to the middle and sees it play on from there, with Chromium's range
requests on that URL answered 206 (DevTools network events); reads a middle
range of the URL byte-exact against the file on disk; then deletes the
recording, and the list is empty (the REST listing too) and the URL is 404.

And the same player with the files in S3 (moto) and
`MEET_RECORDING_S3_PUBLIC_ENDPOINT` set: the playback URL answers 302 to a
presigned S3 GET, and Chromium plays and seeks the composite from S3 with
range requests answered 206 by moto.
"""
from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
import uuid

import pytest
from meet_e2e.browser import MeetBrowser
from meet_e2e.env import WEB_DIR
from meet_e2e.fixtures import failed, stack_with_logs
from meet_e2e.participant import Participant
from meet_e2e.recorder import metric, start_recorder, stored_in
from meet_e2e.waiting import block_until, wait_until
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


def owner_browser(stack, request):
    """The owner's Chromium, with its network log; its console printed if the test failed."""
    opened = MeetBrowser("Owner", stack.api.base_url, network_log=True)
    yield opened
    if failed(request):
        print(opened.console())
    opened.quit()


@pytest.fixture
def browser(stack, request):
    yield from owner_browser(stack, request)


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
return {src: video.currentSrc, time: video.currentTime, width: video.videoWidth, height: video.videoHeight,
        error: video.error && video.error.code, message: video.error && video.error.message, paused: video.paused};
"""


# Seeks the player to the middle (playing on if it had ended) and notes where `seeked` lands.
SEEK = """
const video = document.getElementById('recordings-player');
const target = video.duration / 2;
const seekable = [];
for (let i = 0; i < video.seekable.length; i++) seekable.push([video.seekable.start(i), video.seekable.end(i)]);
window.seekedAt = null;
video.addEventListener('seeked', () => { window.seekedAt = video.currentTime; }, {once: true});
video.currentTime = target;
if (video.paused) video.play();
return {duration: video.duration, target, seekable};
"""


def playback_exchanges(events: list[dict]) -> list[dict]:
    """Chromium's requests for playback URLs: the Range each sent, the status and Content-Range of each answer."""
    exchanges: dict[str, dict] = {}
    for event in events:
        params = event["params"]
        if event["method"] == "Network.requestWillBeSent" and "/playback?token=" in params["request"]["url"]:
            headers = {k.lower(): v for k, v in params["request"]["headers"].items()}
            exchanges[params["requestId"]] = {"range": headers.get("range")}
        elif event["method"] == "Network.requestWillBeSentExtraInfo" and params["requestId"] in exchanges:
            headers = {k.lower(): v for k, v in params["headers"].items()}
            exchanges[params["requestId"]]["range"] = exchanges[params["requestId"]]["range"] or headers.get("range")
        elif event["method"] == "Network.responseReceived" and params["requestId"] in exchanges:
            headers = {k.lower(): v for k, v in params["response"]["headers"].items()}
            exchanges[params["requestId"]].update(status=params["response"]["status"],
                                                  content_range=headers.get("content-range"))
    return list(exchanges.values())


def read(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=15) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_owner_plays_and_deletes_a_recording_in_the_view(stack, recorder, browser, tmp_path):
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

    url = play_and_seek(browser, stack, recording)

    # What Chromium asked the server: range requests on the playback URL, answered 206.
    exchanges = playback_exchanges(browser.network_events())
    print(f"Chromium's requests for the playback URL: {exchanges}")
    assert any(e.get("range") and e.get("status") == 206 and e.get("content_range") for e in exchanges), exchanges

    # The URL alone (no bearer) serves a middle range byte-exact.
    composite = next((tmp_path / "recordings").rglob("composite.mp4")).read_bytes()
    middle, end = len(composite) // 2, len(composite) * 3 // 4
    status, headers, body = read(url, {"Range": f"bytes={middle}-{end}"})
    assert status == 206 and headers["Content-Range"] == f"bytes {middle}-{end}/{len(composite)}", (status, headers)
    assert body == composite[middle:end + 1]
    assert headers["Content-Type"] == "video/mp4" and headers["X-Content-Type-Options"] == "nosniff", headers

    browser.js("window.confirm = () => true;")
    browser.driver.find_element(By.CSS_SELECTOR, "#recordings-list button.danger").click()
    browser.wait(lambda: browser.driver.find_element(By.ID, "recordings-empty").is_displayed(), 15, "the empty list")
    assert browser.driver.find_element(By.ID, "recordings-player-box").is_displayed() is False
    assert stack.rest.call("GET", f"/v1/meetings/{code}/recordings", token=owner)["items"] == []
    status, _, body = read(url, {"Range": "bytes=0-99"})
    assert status == 404 and b"no such recording" in body, (status, body)


def play_and_seek(browser, stack, recording: dict) -> str:
    """Plays the composite (the first file's Play button) until a second has played at 1280×720,
    seeks to the middle and sees it play on; returns the player's URL."""
    buttons = browser.driver.find_elements(By.CSS_SELECTOR, "#recordings-list button")
    buttons[0].click()
    first = browser.wait(
        lambda: (lambda s: s if "/playback?token=" in s["src"] and s["time"] > 0 else None)(browser.js(PLAYED)), 20,
        "the composite playing from a playback URL", details=lambda: f"the player: {browser.js(PLAYED)}")
    played = browser.wait(lambda: (lambda s: s if s["time"] - first["time"] >= 1.0 else None)(browser.js(PLAYED)), 15,
                          "currentTime advancing a second")
    print(f"Chromium played the composite in the view: {first['time']:.2f} s -> {played['time']:.2f} s")
    assert played["error"] is None and (played["width"], played["height"]) == (1280, 720), played
    url = played["src"]
    assert url.startswith(stack.api.base_url + f"/v1/recordings/{recording['id'].lower()}/files/"), url

    # Seek to the middle: `seeked` lands there and playback goes on from it.
    seek = browser.js(SEEK)
    assert seek["seekable"] and seek["seekable"][0][1] >= seek["duration"] - 0.1, seek
    landed = browser.wait(lambda: browser.js("return window.seekedAt;"), 15, "the seek done")
    assert abs(landed - seek["target"]) < 0.5, (landed, seek)
    after = browser.wait(
        lambda: (lambda s: s if not s["paused"] and s["time"] - landed >= 0.5 else None)(browser.js(PLAYED)), 15,
        "playing on from the middle")
    assert after["error"] is None, after
    print(f"seeked to {landed:.2f} s of {seek['duration']:.2f} s (seekable {seek['seekable']}), played on to {after['time']:.2f} s")
    return url


@pytest.fixture
def s3_stack(tmp_path, request, moto):
    # Files go to S3, and playback URLs of S3 files redirect to presigned GETs on moto's endpoint.
    api_env = {**moto.env(), "MEET_RECORDING_S3_PUBLIC_ENDPOINT": moto.endpoint,
               "MEET_RECORDING_DIR": str(tmp_path / "recordings"), "MEET_WEB_DIR": str(WEB_DIR)}
    yield from stack_with_logs(tmp_path, request, ws_replicas=1, sfu_nodes=1, api_env=api_env)


@pytest.fixture
def s3_browser(s3_stack, request):
    yield from owner_browser(s3_stack, request)


def test_chromium_plays_an_s3_recording_through_a_presigned_redirect(s3_stack, tmp_path, moto, s3_browser):
    stack, browser = s3_stack, s3_browser
    recorder = start_recorder(stack, tmp_path, ws_replica=0, extra_env={**moto.env(), "MEET_RECORDING_COMPOSITE": "true"})
    email = f"e2e-{uuid.uuid4().hex}@example.com"
    owner = stack.rest.call("POST", "/v1/auth/register", {"email": email, "password": PASSWORD, "displayName": "Owner"},
                            expect=201)["accessToken"]
    code = stack.rest.create_meeting(owner)
    recording = asyncio.run(asyncio.wait_for(record_a_few_seconds(stack, recorder, owner, code), 90))
    row = block_until(lambda: stored_in(stack, owner, recording["id"].lower(), "s3"), 60, "every file in S3")
    composite = next(f for f in row["files"] if f["kind"] == "composite")

    browser.sign_in(email, PASSWORD)
    browser.wait(lambda: browser.driver.find_element(By.ID, "signed-in").is_displayed(), 15, "signed in")
    browser.driver.get(f"{stack.api.base_url}/{code}?view=recordings")
    browser.wait_screen("recordings")
    browser.wait(lambda: browser.driver.find_elements(By.CSS_SELECTOR, "#recordings-list button"), 15, "the files")
    url = play_and_seek(browser, stack, row)

    # Chromium got a 302 from meet-api for the playback URL, then ranges from S3 itself, answered 206.
    events = browser.network_events()
    redirects = [e["params"]["redirectResponse"] for e in events if e["method"] == "Network.requestWillBeSent"
                 and "/playback?token=" in e["params"].get("redirectResponse", {}).get("url", "")]
    from_s3 = [(e["params"]["response"]["status"], {k.lower(): v for k, v in e["params"]["response"]["headers"].items()})
               for e in events if e["method"] == "Network.responseReceived"
               and e["params"]["response"]["url"].startswith(moto.endpoint + "/")]
    print(f"redirects {[r['status'] for r in redirects]}; from S3 {[(st, h.get('content-range')) for st, h in from_s3]}")
    assert redirects and all(r["status"] == 302 for r in redirects), redirects
    assert any(st == 206 and h.get("content-range") for st, h in from_s3), from_s3
    assert all(h.get("content-type") == "video/mp4" for _, h in from_s3), from_s3

    # The URL alone (no bearer) leads to a middle range of the object, byte-exact (urllib follows the 302).
    expected = moto.object(composite["storageKey"])
    middle, end = len(expected) // 2, len(expected) * 3 // 4
    status, headers, body = read(url, {"Range": f"bytes={middle}-{end}"})
    assert status == 206 and body == expected[middle:end + 1], (status, headers)
