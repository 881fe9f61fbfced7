"""Scheduling in the web client, end to end (issue #20; docs/scheduling.md,
docs/web-client.md "Scheduling"): headless Chromium against the stack, with
meet-api mailing through an aiosmtpd server on loopback.

Ann (registered, her browser in Europe/Berlin) schedules a meeting a couple
of minutes ahead with the schedule form, with a password and a waiting room,
and invites bob@… by email. The email's answer link carries the invitation's
secret. Bob (his browser in America/New_York) opens it, has no account yet,
registers with that address on the way, and accepts; the meeting is in his
upcoming list and his bell shows the reminder. Ann invites Bob's new account
to a second meeting; Bob sees that invitation in the bell and in his list, and
declines it. Ann joins early (the room is open whenever the meeting is
active: docs/scheduling.md "Joining early"); Bob waits for the start, which
his upcoming list shows as "Now", and joins from there, without the password
and without the waiting room (an accepted invitation is a membership). Ann
sees Bob in the People panel. Afterwards the report page shows both seats to
Ann, with the CSV, and refuses Bob in words.

"Joins at the start" is Bob's side: the client offers Join at any time and
says how soon the meeting starts; the test checks both the early join and
that Bob's join comes after the scheduled start.
"""
from __future__ import annotations

import re
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from meet_e2e.browser import MeetBrowser
from meet_e2e.browser_flows import open_browsers
from meet_e2e.env import WEB_DIR
from meet_e2e.smtp import SMTPServer, answer_link
from meet_e2e.stack import Stack
from meet_e2e.waiting import block_until
from selenium.webdriver.common.by import By

PUBLIC_URL = "https://meet.example"
PASSWORD = "correct horse battery"

browsers = pytest.fixture(name="browsers")(open_browsers)


@pytest.fixture(scope="module")
def smtp():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, smtp):
    """meet-api (serving Web/, mailing to `smtp`, scanning for reminders every second), one meet-ws, one node."""
    assert (WEB_DIR / "index.html").exists(), f"no web client at {WEB_DIR}"
    api_env = {
        "MEET_SMTP_HOST": "127.0.0.1", "MEET_SMTP_PORT": str(smtp.port), "MEET_SMTP_FROM": "meet@example.com",
        "MEET_SMTP_TIMEOUT_SECONDS": "2", "MEET_PUBLIC_URL": PUBLIC_URL, "MEET_JOBS_POLL_MS": "100",
        "MEET_JOBS_RETRY_BASE_MS": "200", "MEET_JOBS_RETRY_MAX_SECONDS": "1", "MEET_REMINDER_SCAN_SECONDS": "1",
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEET_WEB_DIR", str(WEB_DIR))
        running = Stack(tmp_path_factory.mktemp("stack"), ws_replicas=1, sfu_nodes=1, api_env=api_env)
    yield running
    running.stop()


def in_zone(browser: MeetBrowser, zone: str) -> None:
    """The browser's time zone, as a person there would have it (DevTools emulation)."""
    browser.driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": zone})


def register(browser: MeetBrowser, name: str, email: str) -> None:
    browser.fill("#register-form input[name=displayName]", name)
    browser.fill("#register-form input[name=email]", email)
    browser.fill("#register-form input[name=password]", PASSWORD)
    browser.click("#register-form button[type=submit]")


def set_value(browser: MeetBrowser, selector: str, value: str) -> None:
    """Sets a date, time or select field as a person's pick would (typing into date fields depends on the locale)."""
    browser.js("const el = document.querySelector(arguments[0]); el.value = arguments[1];"
               "el.dispatchEvent(new Event('change', {bubbles: true}));", selector, value)


def schedule(browser: MeetBrowser, title: str, start: datetime, zone: str, invitees: str, password: str = "",
             waiting_room: bool = False, agenda: str = "") -> str:
    """Fills the schedule form with `start` as a wall-clock time in `zone`; returns the meeting's link."""
    local = start.astimezone(ZoneInfo(zone))
    browser.wait(lambda: browser.driver.find_element(By.ID, "schedule-form").is_displayed(), 15, "the schedule form")
    browser.js("document.getElementById('scheduled').hidden = true")
    browser.fill("#schedule-form input[name=title]", title)
    set_value(browser, "#schedule-form input[name=date]", local.strftime("%Y-%m-%d"))
    set_value(browser, "#schedule-form input[name=time]", local.strftime("%H:%M"))
    set_value(browser, "#schedule-form select[name=duration]", "30")
    browser.fill("#schedule-form textarea[name=agenda]", agenda)
    browser.fill("#schedule-form textarea[name=invitees]", invitees)
    browser.fill("#schedule-form input[name=password]", password)
    if waiting_room != browser.js("return document.querySelector('#schedule-form input[name=waitingRoom]').checked"):
        browser.click("#schedule-form input[name=waitingRoom]")
    browser.click("#schedule-form button[type=submit]")
    browser.wait(lambda: browser.driver.find_element(By.ID, "scheduled").is_displayed(), 15, "the scheduled meeting's link")
    assert browser.text("#schedule-form .form-error") == "", browser.text("#schedule-form .form-error")
    return browser.js("return document.getElementById('scheduled-link').value")


def served_as_page(url: str) -> bool:
    """Whether meet-api answers `url` with the web client's page."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200 and response.headers.get("Content-Type", "").startswith("text/html")
    except urllib.error.HTTPError:
        return False


def upcoming_row(browser: MeetBrowser, code: str) -> str:
    rows = browser.driver.find_elements(By.CSS_SELECTOR, f"#upcoming-list li[data-code='{code}']")
    return rows[0].text if rows else ""


def test_schedule_invite_accept_by_email_and_join_at_the_start(stack: Stack, smtp: SMTPServer, browsers, tmp_path):
    ann, bob = browsers("Ann"), browsers("Bob")
    in_zone(ann, "Europe/Berlin")
    in_zone(bob, "America/New_York")
    bob_email = f"bob-{uuid.uuid4().hex[:8]}@example.org"
    title = f"Launch review {uuid.uuid4().hex[:4]}"

    # Ann signs up and schedules a meeting a couple of minutes ahead (whole minutes: the form's
    # time field), with a password, a waiting room and Bob's address.
    ann.driver.get(stack.api.base_url + "/")
    ann.wait_screen("home")
    register(ann, "Ann", f"ann-{uuid.uuid4().hex[:8]}@example.com")
    ann.wait(lambda: "Europe/Berlin" in ann.text("#schedule-zone"), 15, "the form in Ann's time zone")
    start = (datetime.now(timezone.utc) + timedelta(seconds=150)).replace(second=0, microsecond=0) + timedelta(minutes=1)
    link = schedule(ann, title, start, "Europe/Berlin", bob_email, password="secret-pass", waiting_room=True,
                    agenda="Status; demo")
    code = link.rsplit("/", 1)[1]
    assert link == f"{stack.api.base_url}/{code}", link
    assert "1 invitation sent" in ann.text("#scheduled-summary")
    ann.wait(lambda: re.search(r"in \d+ min", upcoming_row(ann, code)), 15, "the meeting in Ann's upcoming list")
    berlin = start.astimezone(ZoneInfo("Europe/Berlin"))
    assert berlin.strftime("%H:%M") in upcoming_row(ann, code), upcoming_row(ann, code)
    assert ann.driver.find_elements(By.CSS_SELECTOR, f"#upcoming-list li[data-code='{code}'] a[href='/{code}?view=report']")
    ann.assert_accessible("the signed-in home (schedule form, upcoming, invitations)")
    ann.screenshot(tmp_path / "home-scheduled.png")

    # The email: Bob's wall-clock start in Ann's zone in the calendar, and the answer link with its secret.
    mail = block_until(lambda: smtp.inbox.to(bob_email), 30, "Bob's invitation email", details=stack.logs)[0]
    assert mail["Subject"] == f"Invitation: {title}"
    ics = next(p for p in mail.walk() if p.get_content_type() == "text/calendar").get_content().replace("\r\n ", "")
    assert f"DTSTART;TZID=Europe/Berlin:{berlin.strftime('%Y%m%dT%H%M%S')}" in ics, ics
    email_link = answer_link(mail)
    match = re.fullmatch(re.escape(PUBLIC_URL) + r"/invitations/([0-9a-f-]{36})\?secret=([A-Za-z0-9_-]{43})", email_link)
    assert match, email_link
    # The email's link exactly as sent (its host made local): meet-api serves the page there.
    local_link = stack.api.base_url + email_link[len(PUBLIC_URL):]
    assert served_as_page(local_link), local_link

    # Bob opens it with no account: he is asked to sign in or sign up first, signs up with the
    # invited address, and lands back on the invitation, which he accepts.
    bob.driver.get(local_link)
    bob.wait_screen("home")
    assert bob.driver.find_element(By.ID, "signin-notice").is_displayed()
    register(bob, "Bob", bob_email)
    bob.wait_screen("invitation")
    bob.assert_accessible("the invitation page")
    bob.click("#invitation-accept")
    bob.wait(lambda: title in bob.text("#invitation-result"), 15, "the accepted invitation")
    assert "accepted" in bob.text("#invitation-result")
    assert bob.js("return window.location.pathname + window.location.search") == "/", "the secret stayed in the address bar"

    # Ann invites Bob's new account to a second meeting, tomorrow: an in-app invitation.
    other = f"Planning {uuid.uuid4().hex[:4]}"
    schedule(ann, other, datetime.now(timezone.utc) + timedelta(days=1), "Europe/Berlin", bob_email)

    # Bob's home: the meeting in his upcoming list (in his own zone), the second invitation to
    # answer, and his bell with the invitation and the reminder of the first meeting.
    bob.click("#invitation-done a[href='/']")
    bob.wait_screen("home")
    bob.wait(lambda: upcoming_row(bob, code), 15, "the accepted meeting in Bob's upcoming list")
    new_york = start.astimezone(ZoneInfo("America/New_York"))
    assert new_york.strftime("%H:%M") in upcoming_row(bob, code), upcoming_row(bob, code)
    bob.wait(lambda: other in bob.text("#invitation-list"), 15, "the second invitation in Bob's list")
    bob.wait(lambda: bob.text("#bell-count") == "2", 40, "two unread notifications on Bob's bell")
    bob.click("#bell")
    bob.wait(lambda: f"Invitation: {other}" in bob.text("#notification-list")
             and f"Starting soon: {title}" in bob.text("#notification-list"), 15, "the invitation and the reminder in the bell")
    assert bob.focused("#notifications-title")
    bob.assert_accessible("the notification list")
    bob.screenshot(tmp_path / "notifications.png")
    bob.click("#notifications-read")
    bob.wait(lambda: not bob.driver.find_element(By.ID, "bell-count").is_displayed(), 15, "the bell cleared")
    bob.click("#bell")
    bob.click_label(f"Decline {other}")
    bob.wait(lambda: "Declined" in bob.text("#invitation-list"), 15, "the second invitation declined")
    assert other not in bob.text("#upcoming-list")

    # Ann joins early: the pre-join says when the meeting starts, and the room is open.
    assert datetime.now(timezone.utc) < start - timedelta(seconds=20), "too slow to show an early join"
    ann.driver.get(f"{stack.api.base_url}/")
    ann.wait_screen("home")
    ann.wait(lambda: upcoming_row(ann, code), 15, "the meeting in Ann's upcoming list")
    ann.driver.find_element(By.CSS_SELECTOR, f"#upcoming-list li[data-code='{code}'] a.button").click()
    ann.wait_screen("prejoin")
    ann.wait(lambda: "You can join before the start" in ann.text("#prejoin-when"), 15, "the start on Ann's pre-join")
    ann.set_test_hooks(ws_url=stack.ws_url(0))
    ann.join()
    ann.wait_screen("meeting")

    # Bob waits for the start: his list says "Now", and he joins from it with neither the
    # password nor the waiting room.
    bob.wait(lambda: "Now" in upcoming_row(bob, code),
             (start - datetime.now(timezone.utc)).total_seconds() + 30, "the meeting under way in Bob's list")
    assert datetime.now(timezone.utc) >= start
    bob.driver.find_element(By.CSS_SELECTOR, f"#upcoming-list li[data-code='{code}'] a.button").click()
    bob.wait_screen("prejoin")
    bob.wait(lambda: "under way now" in bob.text("#prejoin-when"), 15, "the meeting under way on Bob's pre-join")
    bob.set_test_hooks(ws_url=stack.ws_url(0))
    bob.join()
    bob.wait_screen("meeting")
    assert bob.js("return document.getElementById('join-password-label').hidden")
    joined_at = datetime.now(timezone.utc)
    assert joined_at >= start, (joined_at, start)

    # Both are in the meeting: Ann sees Bob in the People panel.
    ann.wait(lambda: len(ann.state()["participants"]) == 2, 20, "Bob in Ann's meeting")
    ann.click("#ctl-people")
    ann.wait(lambda: "Bob" in ann.text("#people-list"), 10, "Bob in Ann's People panel")
    ann.screenshot(tmp_path / "scheduled-meeting.png")
    print(f"screenshot: {tmp_path / 'scheduled-meeting.png'}; Bob joined {(joined_at - start).total_seconds():.1f} s after the start")

    # The report: both seats for Ann, with the CSV; Bob (an attendee) is refused in words.
    bob.click("#ctl-leave")
    bob.wait_screen("ended")
    ann.driver.get(f"{stack.api.base_url}/{code}?view=report")
    ann.wait_screen("report")
    ann.wait(lambda: ann.driver.find_element(By.ID, "report-body").is_displayed(), 15, "the report")
    assert ann.text("#report-title") == f"Report: {title}"
    table = ann.text("#report-attendance tbody")
    assert "Ann" in table and "Bob" in table, table
    assert "Most people at once\n2" in ann.text("#report-summary"), ann.text("#report-summary")
    ann.wait(lambda: ann.driver.find_element(By.ID, "report-csv").is_displayed(), 15, "the CSV link")
    # The CSV link downloads the server's CSV (the page's CSP keeps fetch off blob: URLs, so the
    # test takes the real path: Chromium saves the download).
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    ann.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    ann.click("#report-csv")
    saved = downloads / f"meet-{code}-attendance.csv"
    block_until(lambda: saved.exists() and saved.stat().st_size > 0, 15, "the CSV downloaded")
    csv = saved.read_text()
    assert "Bob" in csv and "Ann" in csv, csv
    assert csv.splitlines()[0].startswith("name,role,"), csv
    assert len(csv.strip().splitlines()) == 3, csv
    ann.assert_accessible("the report page")
    ann.screenshot(tmp_path / "report.png")
    bob.driver.get(f"{stack.api.base_url}/{code}?view=report")
    bob.wait_screen("report")
    bob.wait(lambda: "Only the owner and hosts" in bob.text("#report-error"), 15, "the refusal in words")
    assert not bob.driver.find_element(By.ID, "report-body").is_displayed()


def test_schedule_form_errors_in_words(stack: Stack, browsers, tmp_path):
    """A bad value is refused before any request, naming the field; an error of the server
    (here inviting Ann, already the owner) is shown in words beside what did work."""
    ann = browsers("Ann")
    ann.driver.get(stack.api.base_url + "/")
    ann.wait_screen("home")
    ann_email = f"ann-{uuid.uuid4().hex[:8]}@example.com"
    register(ann, "Ann", ann_email)
    ann.wait(lambda: ann.driver.find_element(By.ID, "schedule-form").is_displayed(), 15, "the schedule form")
    ann.fill("#schedule-form input[name=title]", "Errors")
    ann.fill("#schedule-form textarea[name=invitees]", "bob@example.org, not-an-address")
    ann.click("#schedule-form button[type=submit]")
    ann.wait(lambda: "not-an-address" in ann.text("#schedule-form .form-error"), 10, "the bad address named")
    assert ann.focused("#schedule-form textarea[name=invitees]")
    set_value(ann, "#schedule-form select[name=repeat]", "weekly")
    assert ann.driver.find_element(By.CSS_SELECTOR, "#schedule-form input[name=count]").is_displayed()
    ann.fill("#schedule-form input[name=count]", "1")
    ann.fill("#schedule-form textarea[name=invitees]", "")
    ann.click("#schedule-form button[type=submit]")
    ann.wait(lambda: "number of occurrences" in ann.text("#schedule-form .form-error"), 10, "the count refused")
    ann.fill("#schedule-form input[name=count]", "3")
    ann.fill("#schedule-form textarea[name=invitees]", f"dee@example.org, Dee@example.org\n{ann_email}")
    ann.click("#schedule-form button[type=submit]")
    ann.wait(lambda: ann.driver.find_element(By.ID, "scheduled").is_displayed(), 15, "the weekly meeting scheduled")
    assert "1 invitation sent" in ann.text("#scheduled-summary")
    assert f"Not invited: {ann_email}: That person is already a member" in ann.text("#schedule-form .form-error")
    code = ann.js("return document.getElementById('scheduled-link').value").rsplit("/", 1)[1]
    ann.wait(lambda: len(ann.driver.find_elements(By.CSS_SELECTOR, f"#upcoming-list li[data-code='{code}']")) == 3, 15,
             "three weekly occurrences in the upcoming list")
    ann.driver.execute_script("window.scrollTo(0, 0)")
    ann.screenshot(tmp_path / "home.png")
