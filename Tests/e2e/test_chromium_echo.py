"""Headless Chromium (the real browser) against the MeetRTC echo peer.

The page served by meet-echo (Tests/e2e/web) sends Chromium's fake camera and
microphone, and the test polls `getStats()` until the inbound video's
`framesDecoded` is above zero and still increasing.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = os.environ.get("MEET_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("MEET_CHROMEDRIVER", "/usr/bin/chromedriver")
TIME_BOUND_S = 40.0


@pytest.fixture
def browser():
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.fail(f"chromium ({CHROMIUM}) and chromedriver ({CHROMEDRIVER}) are required: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        "--autoplay-policy=no-user-gesture-required",
        # Gather loopback candidates too, for machines with no other interface.
        "--allow-loopback-in-peer-connection",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_script_timeout(30)
    yield driver
    driver.quit()


def test_chromium_decodes_its_own_video(echo_server, browser):
    browser.get(echo_server.base_url + "/index.html")
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "startEcho().then(done, (e) => done('error: ' + e));"
    )
    assert result == "ok", f"page failed to negotiate: {result}; meet-echo: {echo_server.stage_report()}"

    samples: list[int] = []
    stats: dict = {}
    deadline = time.monotonic() + TIME_BOUND_S
    while time.monotonic() < deadline:
        stats = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "inboundStats().then(done, (e) => done({error: String(e)}));"
        )
        video = stats.get("video") or {}
        decoded = video.get("framesDecoded", 0)
        samples.append(decoded)
        if len(samples) >= 3 and samples[-1] > samples[-3] > 0:
            break
        time.sleep(0.5)

    report = echo_server.stage_report()
    print(f"chromium stats {stats}; meet-echo: {report}")
    assert samples and samples[-1] > 0, (
        f"Chromium decoded no echoed video in {TIME_BOUND_S}s; browser: {stats}; meet-echo: {report}"
    )
    assert len(samples) >= 3 and samples[-1] > samples[-3], (
        f"framesDecoded stopped increasing: {samples[-5:]}; meet-echo: {report}"
    )
    audio = stats.get("audio") or {}
    assert audio.get("packetsReceived", 0) > 0, f"no echoed audio: {stats}; meet-echo: {report}"
