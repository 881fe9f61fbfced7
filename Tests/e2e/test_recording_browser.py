"""The web client's recording indicator in headless Chromium (issue #18,
docs/signaling.md, Recording): a person in the meeting sees "Recording" when
the owner starts a recording and no more once it stops; someone who joins
while it is on sees it from the start (`joined.recording`)."""
from __future__ import annotations

import pytest
from meet_e2e.browser_flows import open_browsers, web_stack
from selenium.webdriver.common.by import By

stack = pytest.fixture(scope="module", name="stack")(web_stack)
browsers = pytest.fixture(name="browsers")(open_browsers)


def shown(browser) -> bool:
    return browser.driver.find_element(By.CSS_SELECTOR, "#recording").is_displayed()


def enter(browser, stack, code: str, name: str) -> None:
    browser.open_link(f"{stack.api.base_url}/{code}")
    browser.set_test_hooks(ws_url=stack.ws_url(0))
    browser.join(guest_name=name)
    browser.wait_screen("meeting")


def test_the_recording_indicator_follows_the_recording(stack, browsers):
    owner = stack.rest.register("Rita Recorder")
    code = stack.rest.call("POST", "/v1/meetings", {"title": "Recorded"}, owner, expect=201)["code"]
    first = browsers("First")
    enter(first, stack, code, "First")
    assert not shown(first)

    stack.rest.call("POST", f"/v1/meetings/{code}/recording", token=owner, expect=201)
    first.wait(lambda: shown(first), 10, "the indicator after recording-started")
    assert first.text("#recording") == "Recording"

    late = browsers("Late")
    enter(late, stack, code, "Late")
    late.wait(lambda: shown(late), 10, "the indicator from joined")

    stack.rest.call("DELETE", f"/v1/meetings/{code}/recording", token=owner)
    for browser in (first, late):
        browser.wait(lambda: not shown(browser), 10, "no indicator after recording-stopped")
