"""The whiteboard in the web client (issue #21, item 7; Web/whiteboard.js), in
headless Chromium against the whole stack: a stroke drawn with the pointer
by a guest on meet-ws replica 0 shows on the canvas of a person who joins
later on replica 1 (from its `whiteboard-sync`), and on the drawer's own
canvas (from the op's event: nothing is drawn before the server orders it).
The protocol across replicas, crashes, the bounds and the authorization
matrix are in test_whiteboard.py.
"""
from __future__ import annotations

import pytest
from meet_e2e.browser_flows import open_browsers, web_stack
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

stack = pytest.fixture(scope="module", name="stack")(web_stack)
browsers = pytest.fixture(name="browsers")(open_browsers)

# The darkest pixel of a column across the board's middle, where the stroke below passes
# (board coordinates, 1600 × 900; the pointer lands a few units off the exact middle).
DARKEST = """const data = document.getElementById('wb-canvas').getContext('2d').getImageData(800, 400, 1, 100).data;
    let darkest = 765;
    for (let i = 0; i < data.length; i += 4) darkest = Math.min(darkest, data[i] + data[i + 1] + data[i + 2]);
    return darkest;"""


def inked(browser) -> bool:
    return browser.js(DARKEST) < 200


def join(browser, stack, code: str, replica: int) -> None:
    browser.open_link(f"{stack.api.base_url}/{code}")
    browser.set_test_hooks(ws_url=stack.ws_url(replica))
    browser.join(guest_name=browser.name)
    browser.wait_screen("meeting")
    browser.click("#ctl-board")
    browser.wait(lambda: browser.driver.find_element(By.ID, "wb-canvas").is_displayed(), 10, "the whiteboard open")


def test_a_stroke_reaches_a_late_joiner(stack, browsers):
    owner = stack.rest.register("Board Owner")
    code = stack.rest.call("POST", "/v1/meetings", {"title": "Board"}, owner, expect=201)["code"]
    drawer = browsers("Dora Drawer")
    join(drawer, stack, code, replica=0)
    assert not inked(drawer)

    # A horizontal stroke across the middle of the canvas, with the pointer.
    canvas = drawer.driver.find_element(By.ID, "wb-canvas")
    width = canvas.size["width"]
    chain = ActionChains(drawer.driver).move_to_element_with_offset(canvas, -width // 4, 0).click_and_hold()
    for _ in range(4):
        chain = chain.move_by_offset(width // 8, 0)
    chain.release().perform()
    drawer.wait(lambda: inked(drawer), 15, "the stroke on the drawer's canvas")

    late = browsers("Lee Late")
    join(late, stack, code, replica=1)
    late.wait(lambda: inked(late), 15, "the stroke on the late joiner's canvas")
