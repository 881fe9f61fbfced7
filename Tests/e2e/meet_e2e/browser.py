"""Headless Chromium driving the Meet web client (Web/) against a running stack.

`MeetBrowser` wraps one Selenium Chromium (Debian's `chromium` +
`chromium-driver`, nothing is downloaded) with the steps a person takes in
the client, its accessibility checks, and reads of the client's test hooks
(`window.meetTest`, `window.meetDebug`, docs/web-client.md). What several
browsers do together on a stack (a meeting, a drain watched, the fixtures
that open them) is in `browser_flows`.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import struct
import uuid
import wave
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from .waiting import block_until
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

# The fake camera's capture height in tests (`window.meetTest.cameraHeight`, set before the page's
# scripts run): 360 px, so the 3–5 Chromiums of a test do not all encode 720p simulcast on a 2-core
# machine (docs/benchmarks.md, "Chromium's CPU at the 720p camera default"). The client's own default
# is 720 px (#16); the simulcast tests ask for it with `camera_height=None`. `MEET_E2E_CAMERA_HEIGHT`
# overrides it (0: the client's default), as the CPU measurement does. A `?camera=` link wins.
def _test_camera_height() -> int | None:
    value = os.environ.get("MEET_E2E_CAMERA_HEIGHT") or "360"
    try:
        return int(value) or None
    except ValueError:
        raise ValueError(f"MEET_E2E_CAMERA_HEIGHT={value!r}: give a height in pixels (e.g. 360), "
                         "or 0 for the web client's default") from None


TEST_CAMERA_HEIGHT = _test_camera_height()

# Roles a person operates or looks at: each needs an accessible name (WCAG 4.1.2, 1.1.1).
# Compared in lower case: the tree says "Video" where ARIA would say "video".
NAMED_ROLES = {
    "button", "link", "textbox", "searchbox", "checkbox", "radio", "combobox", "listbox", "slider",
    "spinbutton", "switch", "menuitem", "tab", "meter", "image", "img", "video",
}

# What Chromium's accessibility tree cannot say by itself, checked in the page:
# a visible text that the aria-label drops (WCAG 2.5.3 "label in name": people
# using speech input say what they see), and grid tiles without words.
PAGE_ACCESSIBILITY_SCRIPT = """
const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
const problems = [];
for (const el of document.querySelectorAll('button[aria-label], a[aria-label]')) {
  const text = (el.innerText || '').trim().toLowerCase();
  if (visible(el) && text && !el.getAttribute('aria-label').toLowerCase().includes(text)) {
    problems.push(`label drops the visible text: ${el.outerHTML.slice(0, 160)}`);
  }
}
for (const tile of document.querySelectorAll('#grid .tile')) {
  if (visible(tile) && !(tile.getAttribute('aria-label') || '').trim()) {
    problems.push(`tile without words: ${tile.outerHTML.slice(0, 160)}`);
  }
}
return problems;
"""


def write_tone(path: Path, hz: int = 440, amplitude: float = 0.3, seconds: int = 2) -> Path:
    """A steady sine tone as a 48 kHz mono WAV, for `MeetBrowser(audio_file=...)`.

    Chromium's default fake microphone beeps with long quiet stretches, so a
    speaking indicator could stay dark for many seconds by chance; a steady tone
    (Chromium loops the file) makes "speaking" depend only on the mic being on."""
    rate = 48000
    frames = b"".join(struct.pack("<h", int(amplitude * 32767 * math.sin(2 * math.pi * hz * i / rate)))
                      for i in range(rate * seconds))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return path


class MeetBrowser:
    """One person in one headless Chromium; `audio_file` (a WAV) replaces the fake microphone's beeps;
    `link` (a `shaping.ShapedLink`) runs it inside that link's network namespace; `window` (w, h) sizes it;
    `network_log` keeps Chromium's DevTools network events for `network_events()`; `camera_height`
    is the web client's camera capture height (None: the client's own default, 720 px)."""

    def __init__(self, name: str, base_url: str, audio_file: Path | None = None, link=None,
                 window: tuple[int, int] | None = None, network_log: bool = False,
                 camera_height: int | None = TEST_CAMERA_HEIGHT):
        if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
            pytest.fail(f"chromium ({CHROMIUM}) and chromedriver ({CHROMEDRIVER}) are required: "
                        "apt-get install chromium chromium-driver")
        self.name = name
        self.base_url = base_url
        options = webdriver.ChromeOptions()
        options.binary_location = str(link.chromium) if link else CHROMIUM
        for flag in CHROMIUM_FLAGS:
            if not (window and flag.startswith("--window-size=")):
                options.add_argument(flag)
        if window:
            options.add_argument(f"--window-size={window[0]},{window[1]}")
        if link:
            # ChromeDriver's DevTools port would be inside the namespace, out of its reach: a pipe instead.
            options.add_argument("--remote-debugging-pipe")
        if audio_file:
            options.add_argument(f"--use-file-for-fake-audio-capture={audio_file}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", **({"performance": "ALL"} if network_log else {})})
        self.driver = webdriver.Chrome(options=options, service=DriverService(executable_path=CHROMEDRIVER))
        self.driver.set_script_timeout(30)
        if camera_height:
            # Before any script of every page: the pre-join preview opens the camera at load.
            try:
                self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {
                    "source": f"window.meetTest = Object.assign(window.meetTest || {{}}, {{cameraHeight: {int(camera_height)}}});"})
            except BaseException:
                self.quit()
                raise

    # MARK: Reading the page

    def network_events(self) -> list[dict]:
        """The DevTools `Network.*` events since the last call (`network_log=True` only): each
        `{"method": ..., "params": ...}`."""
        events = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method", "").startswith("Network."):
                events.append(message)
        return events

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

    def wait(self, predicate, timeout: float, what: str, interval: float = 0.25, details=None):
        """`block_until` in this browser: a WebDriver error is "not yet", and a failure
        shows the client's state and console (and `details()`, when given)."""
        extra = (lambda: details() + "\n") if details else (lambda: "")
        return block_until(predicate, timeout, f"{self.name}: {what}", interval=interval, retry_on=(WebDriverException,),
                           details=lambda: f"{extra()}state: {self.safe_state()}\nconsole:\n{self.console()}")

    def wait_screen(self, screen: str, timeout: float = 20) -> None:
        self.wait(lambda: self.screen() == screen, timeout, f"the {screen} screen")

    def safe_state(self):
        try:
            return self.state()
        except WebDriverException as error:
            return f"(no state: {error.msg})"

    def accessibility_problems(self) -> list[str]:
        """Controls on the visible screen that a screen reader could not name, per Chromium's own
        accessibility tree (what assistive technology reads), plus the page checks above."""
        problems, checked = [], 0
        for node in self.driver.execute_cdp_cmd("Accessibility.getFullAXTree", {})["nodes"]:
            role = str((node.get("role") or {}).get("value") or "").lower()
            if node.get("ignored") or role not in NAMED_ROLES:
                continue
            checked += 1
            if not str((node.get("name") or {}).get("value") or "").strip():
                problems.append(f"{role} without a name: {self._describe(node.get('backendDOMNodeId'))}")
        assert checked, f"{self.name}: the accessibility tree showed no control at all (is the page there?)"
        return problems + self.js(PAGE_ACCESSIBILITY_SCRIPT)

    def _describe(self, backend_node_id) -> str:
        try:
            node = self.driver.execute_cdp_cmd("DOM.describeNode", {"backendNodeId": backend_node_id})["node"]
            return f"<{node['localName']} {node.get('attributes', [])}>"
        except (WebDriverException, KeyError, TypeError):
            return f"(node {backend_node_id})"

    def assert_accessible(self, where: str) -> None:
        problems = self.accessibility_problems()
        assert not problems, f"{self.name}: accessibility problems on {where}:\n" + "\n".join(problems)

    def focused(self, selector: str) -> bool:
        return bool(self.js("return !!document.activeElement && document.activeElement.matches(arguments[0])", selector))

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

    def press(self, *keys: str) -> None:
        """Real key presses (CDP input events) to whatever has focus, as a keyboard user types."""
        ActionChains(self.driver).send_keys(*keys).perform()

    def tab_to(self, selector: str, limit: int = 20) -> int:
        """Presses Tab until the element matching `selector` has focus; returns how many presses it took."""
        for presses in range(1, limit + 1):
            self.press(Keys.TAB)
            if self.focused(selector):
                return presses
        active = self.js("return document.activeElement ? document.activeElement.outerHTML.slice(0, 200) : null")
        raise AssertionError(f"{self.name}: {limit} presses of Tab never reached {selector} (focus on {active})")

    def set_test_hooks(self, ws_url: str | None = None, node_id: str | None = None, screen_source: str | None = None,
                       ice_transport_policy: str | None = None):
        """Sets `window.meetTest` switches (docs/web-client.md) before joining."""
        hooks = {"wsUrl": ws_url, "nodeId": node_id, "screenSource": screen_source,
                 "iceTransportPolicy": ice_transport_policy}
        self.js("Object.assign(window.meetTest, arguments[0])", {k: v for k, v in hooks.items() if v})

    def sign_up_and_create_meeting(self, title: str, waiting_room: bool) -> str:
        """Registers through the home page and creates a meeting; returns its shareable link."""
        self.driver.get(self.base_url + "/")
        self.wait_screen("home")
        self.fill("#register-form input[name=displayName]", self.name)
        self.fill("#register-form input[name=email]", f"browser-{uuid.uuid4().hex[:10]}@example.com")
        self.fill("#register-form input[name=password]", "correct horse battery")
        self.click("#register-form button[type=submit]")
        return self.create_meeting(title, waiting_room)

    def open_link(self, link: str) -> None:
        self.driver.get(link)
        self.wait_screen("prejoin")

    def sign_in(self, email: str, password: str) -> None:
        """Signs in through the home page's Sign in form."""
        self.driver.get(self.base_url + "/")
        self.wait_screen("home")
        self.fill("#login-form input[name=email]", email)
        self.fill("#login-form input[name=password]", password)
        self.click("#login-form button[type=submit]")

    def create_meeting(self, title: str, waiting_room: bool) -> str:
        """Creates a meeting from the signed-in home page; returns its shareable link."""
        self.wait(lambda: self.driver.find_element(By.ID, "signed-in").is_displayed(), 15, "signed in")
        self.fill("#create-form input[name=title]", title)
        if waiting_room:
            self.click("#create-form input[name=waitingRoom]")
        self.click("#create-form button[type=submit]")
        return self.wait(lambda: self.js("return document.getElementById('created-link').value"), 15, "the meeting link")

    def wait_preview(self) -> None:
        self.wait(lambda: self.js("return !!document.querySelector('#preview').srcObject"), 15, "the camera preview")

    def join_by_keyboard(self, guest_name: str, submit: str = "enter") -> None:
        """Joins from the pre-join screen with the keyboard alone: Tab to the name field, type,
        then Enter in the field (`submit="enter"`) or Tab to Join now and Space (`"space"`)."""
        self.wait_preview()
        self.tab_to("#join-form input[name=displayName]")
        self.press(guest_name)
        if submit == "enter":
            self.press(Keys.ENTER)
        else:
            self.tab_to("#join-button")
            self.press(Keys.SPACE)

    def join(self, guest_name: str | None = None, password: str | None = None) -> None:
        """Presses Join on the pre-join screen (after the preview has opened the devices)."""
        self.wait_preview()
        if guest_name:
            self.fill("#join-form input[name=displayName]", guest_name)
        if password is not None:
            self.fill("#join-form input[name=password]", password)
        self.click("#join-button")

    def join_e2ee(self, passphrase: str, guest_name: str | None = None) -> None:
        """Joins an end-to-end encrypted meeting from the pre-join screen: Join, then the
        passphrase the join response asks for, then Join again; waits for the meeting screen."""
        self.join(guest_name=guest_name)
        self.wait(lambda: self.driver.find_element("id", "join-passphrase-label").is_displayed(), 15,
                  "the passphrase field")
        self.fill("#join-form input[name=passphrase]", passphrase)
        self.click("#join-button")
        self.wait_screen("meeting")

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
