"""Headless Chromium (the real browser) against the MeetRTC echo peer.

The page served by meet-echo (Tests/e2e/web) sends Chromium's fake camera and
microphone, and the test polls `getStats()` until the inbound video's
`framesDecoded` is above zero and still increasing.
"""

from __future__ import annotations

import pytest
from meet_e2e.browser import MeetBrowser
from meet_e2e.waiting import block_until

TIME_BOUND_S = 40.0


@pytest.fixture
def browser(echo_server):
    """One headless Chromium with the flags of every browser test (fake devices, loopback candidates)."""
    chromium = MeetBrowser("chromium", echo_server.base_url)
    yield chromium.driver
    chromium.quit()


def test_chromium_decodes_its_own_video(echo_server, browser):
    browser.get(echo_server.base_url + "/index.html")
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "startEcho().then(done, (e) => done('error: ' + e));"
    )
    assert result == "ok", f"page failed to negotiate: {result}; meet-echo: {echo_server.stage_report()}"

    samples: list[int] = []
    stats: dict = {}

    def decoding_and_rising() -> bool:
        nonlocal stats
        stats = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "inboundStats().then(done, (e) => done({error: String(e)}));"
        )
        samples.append((stats.get("video") or {}).get("framesDecoded", 0))
        return len(samples) >= 3 and samples[-1] > samples[-3] > 0

    block_until(decoding_and_rising, TIME_BOUND_S, "echoed video decoded and framesDecoded still rising", interval=0.5,
                details=lambda: f"framesDecoded {samples[-5:]}; browser: {stats}; meet-echo: {echo_server.stage_report()}")
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
