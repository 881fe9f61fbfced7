"""Headless Chromium driving the Meet web client (Web/) against a running stack.

`start_stack()` starts the lead's `stack_support.Stack` (meet-api, two meet-ws,
two meet-sfu) with meet-api serving `Web/` (MEET_WEB_DIR). `MeetBrowser` wraps
one Selenium Chromium (Debian's `chromium` + `chromium-driver`, nothing is
downloaded) with the steps a person takes in the client, plus reads of the
client's test hooks (`window.meetTest`, `window.meetDebug`, docs/web-client.md).
"""
from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.by import By

REPO_ROOT = Path(__file__).resolve().parents[2]
WEB_DIR = REPO_ROOT / "Web"
CHROMIUM = os.environ.get("MEET_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("MEET_CHROMEDRIVER", "/usr/bin/chromedriver")

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--auto-select-desktop-capture-source=Entire screen",
    "--autoplay-policy=no-user-gesture-required",
    "--allow-loopback-in-peer-connection",
    "--window-size=1280,800",
)


class MeetBrowser:
    """One person in one headless Chromium."""

    def __init__(self, name: str, base_url: str):
        if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
            pytest.fail(f"chromium ({CHROMIUM}) and chromedriver ({CHROMEDRIVER}) are required: "
                        "apt-get install chromium chromium-driver")
        self.name = name
        self.base_url = base_url
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(options=options, service=DriverService(executable_path=CHROMEDRIVER))
        self.driver.set_script_timeout(30)

    # MARK: Reading the page

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def js_async(self, expression: str):
        """Awaits a promise-valued JS expression."""
        return self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"Promise.resolve().then(() => {expression}).then(done, (e) => done({{error: String(e)}}));")

    def screen(self) -> str | None:
        return self.js("return window.meetDebug ? window.meetDebug.screen() : null")

    def state(self) -> dict | None:
        return self.js("return window.meetDebug.state()")

    def stats(self) -> list:
        result = self.js_async("window.meetDebug.stats()")
        assert not isinstance(result, dict), f"{self.name}: stats failed: {result}"
        return result

    def text(self, selector: str) -> str:
        return self.driver.find_element(By.CSS_SELECTOR, selector).text

    def wait(self, predicate, timeout: float, what: str, interval: float = 0.25):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = predicate()
            except WebDriverException as error:
                last = error
            if last and not isinstance(last, Exception):
                return last
            time.sleep(interval)
        raise AssertionError(f"{self.name}: timed out after {timeout}s waiting for {what} (last: {last!r})\n"
                             f"state: {self.safe_state()}\nconsole:\n{self.console()}")

    def wait_screen(self, screen: str, timeout: float = 20) -> None:
        self.wait(lambda: self.screen() == screen, timeout, f"the {screen} screen")

    def safe_state(self):
        try:
            return self.state()
        except WebDriverException as error:
            return f"(no state: {error.msg})"

    def console(self) -> str:
        try:
            return "\n".join(f"{e['level']} {e['message']}" for e in self.driver.get_log("browser")[-40:])
        except WebDriverException:
            return "(no console log)"

    # MARK: Acting

    def click(self, selector: str) -> None:
        self.driver.find_element(By.CSS_SELECTOR, selector).click()

    def click_label(self, label: str, timeout: float = 15) -> None:
        """Clicks the button whose accessible label (aria-label) is `label`."""
        button = self.wait(lambda: self.driver.find_elements(By.CSS_SELECTOR, f'button[aria-label="{label}"]'),
                           timeout, f"a button labelled {label!r}")
        button[0].click()

    def fill(self, selector: str, value: str) -> None:
        field = self.driver.find_element(By.CSS_SELECTOR, selector)
        field.clear()
        field.send_keys(value)

    def set_test_hooks(self, ws_url: str | None = None, node_id: str | None = None, screen_source: str | None = None):
        self.js("Object.assign(window.meetTest, arguments[0])",
                {k: v for k, v in {"wsUrl": ws_url, "nodeId": node_id, "screenSource": screen_source}.items() if v})

    def sign_up_and_create_meeting(self, title: str, waiting_room: bool) -> str:
        """Registers through the home page and creates a meeting; returns its shareable link."""
        self.driver.get(self.base_url + "/")
        self.wait_screen("home")
        self.fill("#register-form input[name=displayName]", self.name)
        self.fill("#register-form input[name=email]", f"browser-{uuid.uuid4().hex[:10]}@example.com")
        self.fill("#register-form input[name=password]", "correct horse battery")
        self.click("#register-form button[type=submit]")
        self.wait(lambda: self.driver.find_element(By.ID, "signed-in").is_displayed(), 15, "signed in")
        self.fill("#create-form input[name=title]", title)
        if waiting_room:
            self.click("#create-form input[name=waitingRoom]")
        self.click("#create-form button[type=submit]")
        return self.wait(lambda: self.js("return document.getElementById('created-link').value"), 15, "the meeting link")

    def open_link(self, link: str) -> None:
        self.driver.get(link)
        self.wait_screen("prejoin")

    def join(self, guest_name: str | None = None, password: str | None = None) -> None:
        """Presses Join on the pre-join screen (after the preview has opened the devices)."""
        self.wait(lambda: self.js("return !!document.querySelector('#preview').srcObject"), 15, "the camera preview")
        if guest_name:
            self.fill("#join-form input[name=displayName]", guest_name)
        if password is not None:
            self.fill("#join-form input[name=password]", password)
        self.click("#join-button")

    @staticmethod
    def probe_display_capture(base_url: str) -> str:
        """'display' when getDisplayMedia works in this headless Chromium, else why not.

        With --auto-select-desktop-capture-source it works on some machines and
        not on others; tests fall back to the client's canvas source."""
        browser = MeetBrowser("probe", base_url)
        try:
            browser.driver.get(base_url + "/")
            return browser.js_async(
                "navigator.mediaDevices.getDisplayMedia({video: true}).then("
                "(s) => { s.getTracks().forEach((t) => t.stop()); return 'display'; }, (e) => 'canvas (' + e.name + ')')")
        finally:
            browser.quit()

    def screenshot(self, path: Path) -> Path:
        self.driver.save_screenshot(str(path))
        return path

    def quit(self) -> None:
        try:
            self.driver.quit()
        except WebDriverException:
            pass


def frames_from(browser: MeetBrowser, participant_id: str, kind: str) -> int:
    """framesDecoded of `kind` video ('camera' or 'screen') from one participant, per getStats()."""
    total = 0
    for entry in browser.stats():
        if entry["participantId"].lower() == participant_id.lower() and entry["kind"] == kind \
                and entry["mediaKind"] == "video":
            total += entry["framesDecoded"]
    return total


def wait_decoding(browser: MeetBrowser, participant_id: str, kind: str, timeout: float = 30) -> tuple[int, int]:
    """Waits until `browser` decodes `kind` video from `participant_id` and the count keeps rising."""
    first = browser.wait(lambda: frames_from(browser, participant_id, kind), timeout,
                         f"decoded {kind} video from {participant_id}")
    later = browser.wait(lambda: (lambda n: n if n > first else 0)(frames_from(browser, participant_id, kind)),
                         10, f"{kind} frames from {participant_id} still increasing past {first}")
    return first, later
