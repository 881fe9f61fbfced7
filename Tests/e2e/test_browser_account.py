"""The web client's schedule page and account card, end to end (issue #20;
docs/web-client.md "Scheduling" and "Your account"): headless Chromium
against meet-api.

Ann signs up and schedules a daily series of three with the schedule form.
From her upcoming list she opens the series' schedule page and cancels the
second occurrence (the server lists it cancelled; the others stay). She finds
the meeting with the search card, sets her reminder to 30 minutes, makes a
calendar link (the feed answers with the series), rotates it (the old link
is 404 at once, the new one answers), exports her data (the download holds
her account) and deletes her account with her password (signed out; the
password no longer signs in).
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from meet_e2e.browser import MeetBrowser
from meet_e2e.browser_flows import open_browsers
from meet_e2e.env import WEB_DIR
from meet_e2e.stack import Stack
from meet_e2e.waiting import block_until
from selenium.webdriver.common.by import By
from test_browser_schedule import PASSWORD, in_zone, register, schedule, set_value

browsers = pytest.fixture(name="browsers")(open_browsers)
ZONE = "Europe/Berlin"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """meet-api serving Web/; no media is needed (no meet-ws, no node)."""
    assert (WEB_DIR / "index.html").exists(), f"no web client at {WEB_DIR}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEET_WEB_DIR", str(WEB_DIR))
        running = Stack(tmp_path_factory.mktemp("stack"), ws_replicas=0, sfu_nodes=0)
    yield running
    running.stop()


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def token(browser: MeetBrowser) -> str:
    return browser.js("return JSON.parse(localStorage.getItem('meet.session')).accessToken")


def feed(stack: Stack, url: str) -> tuple[int, str]:
    """The feed behind a calendar link (its token, on this stack: MEET_PUBLIC_URL is not the test's address)."""
    return fetch(stack.api.base_url + "/v1/calendar-feeds/" + url.rsplit("/", 1)[1])


def new_feed_link(browser: MeetBrowser, previous: str) -> str:
    browser.click("#feed-rotate")
    browser.wait(lambda: browser.js("return document.getElementById('feed-url').value") not in ("", previous), 15,
                 "a new calendar link")
    return browser.js("return document.getElementById('feed-url').value")


def test_cancel_an_occurrence_search_reminder_feed_rotate_export_and_delete(stack: Stack, browsers, tmp_path):
    ann = browsers("Ann")
    in_zone(ann, ZONE)
    email = f"ann-{uuid.uuid4().hex[:8]}@example.com"
    title = f"Standup {uuid.uuid4().hex[:6]}"

    ann.driver.get(stack.api.base_url + "/")
    ann.wait_screen("home")
    register(ann, "Ann", email)
    ann.wait(lambda: ZONE in ann.text("#schedule-zone"), 15, "the schedule form")
    start = (datetime.now(timezone.utc) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    set_value(ann, "#schedule-form select[name=repeat]", "daily")
    set_value(ann, "#schedule-form input[name=count]", "3")
    link = schedule(ann, title, start, ZONE, "")
    code = link.rsplit("/", 1)[1]
    bearer = token(ann)
    listed = stack.rest.call("GET", f"/v1/meetings/{code}/occurrences", token=bearer)["items"]
    assert len(listed) == 3 and all(o["status"] == "scheduled" for o in listed), listed

    # The schedule page, from the upcoming list: cancel the second occurrence.
    ann.wait(lambda: ann.driver.find_elements(By.CSS_SELECTOR, f"#upcoming-list li[data-code='{code}'] a[href$='view=schedule']"),
             15, "Edit schedule in the upcoming list")
    ann.click(f"#upcoming-list li[data-code='{code}'] a[href$='view=schedule']")
    ann.wait_screen("series")
    second = listed[1]["id"]
    row = f"#occurrence-list li[data-occurrence-id='{second}']"
    ann.wait(lambda: ann.driver.find_elements(By.CSS_SELECTOR, row), 15, "the occurrence rows")
    ann.driver.find_element(By.CSS_SELECTOR, f"{row} button[aria-label^='Cancel']").click()
    ann.wait(lambda: "cancelled" in (ann.driver.find_element(By.CSS_SELECTOR, row).get_attribute("class") or ""), 15,
             "the occurrence shown cancelled")
    statuses = {o["id"]: o["status"] for o in stack.rest.call("GET", f"/v1/meetings/{code}/occurrences", token=bearer)["items"]}
    assert statuses == {listed[0]["id"]: "scheduled", second: "cancelled", listed[2]["id"]: "scheduled"}, statuses
    ann.assert_accessible("the schedule page")

    # Home: the search card finds the meeting.
    ann.driver.get(stack.api.base_url + "/")
    ann.wait_screen("home")
    ann.fill("#search-form input[name=q]", title.split()[1])
    ann.click("#search-form button[type=submit]")
    ann.wait(lambda: ann.driver.find_elements(By.CSS_SELECTOR, f"#search-results li[data-code='{code}']"), 15, "the meeting found")

    # The reminder setting.
    ann.wait(lambda: ann.js("return document.querySelector('#reminder-form select').options.length") > 1, 15, "the reminder choices")
    set_value(ann, "#reminder-form select[name=reminder]", "30")
    ann.click("#reminder-form button[type=submit]")
    ann.wait(lambda: "30 minutes" in ann.text("#account-status"), 15, "the reminder saved")
    assert stack.rest.call("GET", "/v1/users/me/settings", token=bearer)["reminderMinutes"] == 30

    # A calendar link, then a rotation: the old link stops at once.
    first = new_feed_link(ann, "")
    status, body = feed(stack, first)
    assert status == 200 and "BEGIN:VCALENDAR" in body and title in body, (status, body[:300])
    rotated = new_feed_link(ann, first)
    assert feed(stack, first)[0] == 404
    assert feed(stack, rotated)[0] == 200

    # Export: the download holds the account (the page's CSP keeps fetch off blob: URLs, so the
    # test takes the real path: Chromium saves the download).
    ann.click("#export-form button[type=submit]")
    ann.wait(lambda: ann.driver.find_element(By.ID, "export-link").is_displayed(), 15, "the export's download link")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    ann.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    ann.click("#export-link")
    saved = downloads / "meet-export.json"
    block_until(lambda: saved.exists() and saved.stat().st_size > 0, 15, "the export downloaded")
    exported = saved.read_text()
    assert email in exported and json.loads(exported), exported[:300]
    ann.assert_accessible("the account card")

    # Delete, with the password: signed out, and the password no longer works.
    ann.fill("#delete-account-form input[name=password]", PASSWORD)
    ann.click("#delete-account-form input[name=confirm]")
    ann.click("#delete-account-form button[type=submit]")
    ann.wait(lambda: ann.driver.find_element(By.ID, "signed-out").is_displayed(), 15, "signed out after deleting")
    stack.rest.call("POST", "/v1/auth/login", {"email": email, "password": PASSWORD}, expect=401)
