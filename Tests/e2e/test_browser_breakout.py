"""Breakout rooms in the web client (issue #21, item 5; Web/breakout.js), in
headless Chromium against the whole stack (two meet-ws replicas, two
meet-sfu nodes): a host and three guests; the host makes two rooms in its
panel, assigns itself and one guest to Room 1 and the two others to Room 2
with the room pickers, and opens them. Each browser's banner names its
room, each roster holds its room's people only, and media flows in each
room (the host decodes its room mate's camera, the two guests of Room 2
each other's) while subscriptions across rooms close. Closing the rooms
brings everyone back after the countdown: the host decodes a guest of
Room 2 again. The protocol across replicas and crashes, the authorization
matrix and per-room chat are in test_breakout.py.
"""
from __future__ import annotations

import pytest
from meet_e2e.browser_flows import open_browsers, wait_decoding, web_stack
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

stack = pytest.fixture(scope="module", name="stack")(web_stack)
browsers = pytest.fixture(name="browsers")(open_browsers)


def ids(browser) -> set[str]:
    return {p["id"].lower() for p in browser.state()["participants"]}


def banner(browser) -> str:
    return browser.js("const b = document.getElementById('breakout-banner'); return b.hidden ? '' : b.textContent")


def assign(host, person_id: str, room: str) -> None:
    """Picks `room` for `person_id` in the host's panel and waits until the plan says so."""
    selector = f"li[data-participant='{person_id.lower()}'] select"
    host.wait(lambda: host.driver.find_elements(By.CSS_SELECTOR, selector), 10, f"a room picker for {person_id}")
    Select(host.driver.find_element(By.CSS_SELECTOR, selector)).select_by_visible_text(room)
    host.wait(lambda: Select(host.driver.find_element(By.CSS_SELECTOR, selector)).first_selected_option.text == room,
              10, f"{person_id} in {room}")


def test_rooms_open_with_media_in_each_and_close(stack, browsers):
    node1, node2 = stack.nodes[0], stack.nodes[1]
    host = browsers("Hana Host")
    link = host.sign_up_and_create_meeting("Breakout e2e", waiting_room=False)
    host.open_link(link)
    host.set_test_hooks(ws_url=stack.ws_url(0), node_id=node1.node_id)
    host.join()
    host.wait_screen("meeting")
    guests = []
    for index, name in enumerate(("Ada One", "Ben Two", "Cy Two")):
        guest = browsers(name)
        guest.open_link(link)
        guest.set_test_hooks(ws_url=stack.ws_url(1 - index % 2), node_id=(node2 if index % 2 == 0 else node1).node_id)
        guest.join(guest_name=name)
        guest.wait_screen("meeting")
        guests.append(guest)
    ada, ben, cy = guests
    host.wait(lambda: len(host.state()["participants"]) == 4, 20, "four participants at the host")
    host_id, ada_id, ben_id, cy_id = (b.state()["me"] for b in (host, ada, ben, cy))
    wait_decoding(host, ben_id, "camera")

    # The host's panel: two rooms, people picked by hand, opened.
    host.click("#ctl-breakout")
    host.fill("#breakout-count", "2")
    host.click("#breakout-form button[type=submit]")
    for person, room in ((host_id, "Room 1"), (ada_id, "Room 1"), (ben_id, "Room 2"), (cy_id, "Room 2")):
        assign(host, person, room)
    host.click("#breakout-open")

    for browser, room in ((host, "Room 1"), (ada, "Room 1"), (ben, "Room 2"), (cy, "Room 2")):
        browser.wait(lambda: banner(browser).startswith(room), 15, f"{browser.name}'s banner naming {room}")
    host.wait(lambda: ids(host) == {host_id.lower(), ada_id.lower()}, 15, "the host's roster: Room 1")
    ben.wait(lambda: ids(ben) == {ben_id.lower(), cy_id.lower()}, 15, "Ben's roster: Room 2")
    wait_decoding(host, ada_id, "camera")
    wait_decoding(ben, cy_id, "camera")
    wait_decoding(cy, ben_id, "camera")
    host.wait(lambda: all(s["participantId"].lower() not in (ben_id.lower(), cy_id.lower())
                          for s in host.state()["subscriptions"]), 15, "the host's subscriptions to Room 2 closed")

    # Close: the countdown, then everyone back, and media across the old rooms again.
    host.click("#breakout-close")
    ben.wait(lambda: "returns in" in banner(ben), 10, "the countdown on Ben's banner")
    ben.wait(lambda: banner(ben) == "", 30, "Ben back in the main room")
    host.wait(lambda: len(ids(host)) == 4, 15, "everyone back at the host")
    wait_decoding(host, ben_id, "camera")
