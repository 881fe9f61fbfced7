"""Headless Chromium driving the Meet web client (Web/) against a running stack.

`web_stack()` starts a `stack.Stack` (meet-api, two meet-ws, two meet-sfu)
with meet-api serving `Web/` (MEET_WEB_DIR). `MeetBrowser` wraps
one Selenium Chromium (Debian's `chromium` + `chromium-driver`, nothing is
downloaded) with the steps a person takes in the client, plus reads of the
client's test hooks (`window.meetTest`, `window.meetDebug`, docs/web-client.md).
"""
from __future__ import annotations

import json
import math
import os
import shutil
import struct
import time
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

from .env import WEB_DIR
from .fixtures import failed
from .stack import Stack
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
    `network_log` keeps Chromium's DevTools network events for `network_events()`."""

    def __init__(self, name: str, base_url: str, audio_file: Path | None = None, link=None,
                 window: tuple[int, int] | None = None, network_log: bool = False):
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

    def wait(self, predicate, timeout: float, what: str, interval: float = 0.25):
        """`block_until` in this browser: a WebDriver error is "not yet", and a failure
        shows the client's state and console."""
        return block_until(predicate, timeout, f"{self.name}: {what}", interval=interval, retry_on=(WebDriverException,),
                           details=lambda: f"state: {self.safe_state()}\nconsole:\n{self.console()}")

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


def guests_in_a_meeting(stack, title: str, names: list[str], **hooks) -> list[MeetBrowser]:
    """An owner creates a meeting over REST; one browser per name opens its link and
    joins as a guest on replica 0 (`hooks` go to `set_test_hooks`). The caller quits them."""
    owner = stack.rest.register(f"{title} Owner")
    code = stack.rest.call("POST", "/v1/meetings", {"title": title}, owner, expect=201)["code"]
    people: list[MeetBrowser] = []
    try:
        for name in names:
            person = MeetBrowser(name, stack.api.base_url)
            people.append(person)
            person.open_link(f"{stack.api.base_url}/{code}")
            person.set_test_hooks(ws_url=stack.ws_url(0), **hooks)
            person.join(guest_name=name)
            person.wait_screen("meeting")
    except BaseException:
        for person in people:
            print(f"---- {person.name}: state {person.safe_state()}\n{person.console()}")
            person.quit()
        raise
    return people


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


def web_stack(tmp_path_factory):
    """meet-api serving Web/, two meet-ws replicas, two meet-sfu nodes; a module-scoped fixture
    where a test module registers it (`pytest.fixture(scope="module", name="stack")(web_stack)`)."""
    assert (WEB_DIR / "index.html").exists(), f"no web client at {WEB_DIR}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEET_WEB_DIR", str(WEB_DIR))
        running = Stack(tmp_path_factory.mktemp("stack"))
    yield running
    running.stop()


def open_browsers(stack, request):
    """Opens Chromium browsers on `stack` for one test (`browsers(name)`), prints their state and
    the stack's logs if it failed, and quits them; registered as the `browsers` fixture."""
    yield from browser_opener(stack, request)


def browser_opener(stack, request, **defaults):
    """`open_browsers` with `defaults` for every `MeetBrowser` it opens (a window size, say);
    each call may add or override options (`browsers(name, audio_file=…)`)."""
    opened: list[MeetBrowser] = []

    def open_browser(name: str, **options) -> MeetBrowser:
        browser = MeetBrowser(name, stack.api.base_url, **{**defaults, **options})
        opened.append(browser)
        return browser

    yield open_browser
    if failed(request):
        for browser in opened:
            print(f"---- {browser.name}: state {browser.safe_state()}\n{browser.console()}")
        print(stack.logs())
    for browser in opened:
        browser.quit()


def meet(stack, browsers, waiting_room: bool, screen_source: str | None = None, keyboard: bool = False,
         guest_audio=None):
    """The host creates a meeting and joins; the guest opens its link and joins (admitted
    from the waiting room when there is one; by keyboard alone with `keyboard`; with
    `guest_audio` as its microphone). Host on replica 1 / node 1, guest on replica 2 /
    node 2. Returns (host, guest, host_id, guest_id)."""
    node1, node2 = stack.nodes[0], stack.nodes[1]
    host, guest = browsers("Hana Host"), browsers("Gus Guest", audio_file=guest_audio)

    # The host creates a meeting through the home page and opens its link.
    link = host.sign_up_and_create_meeting("Browser e2e", waiting_room=waiting_room)
    assert link.startswith(stack.api.base_url + "/"), link
    host.open_link(link)
    host.set_test_hooks(ws_url=stack.ws_url(0), node_id=node1.node_id)
    host.join()
    host.wait_screen("meeting")

    # The guest opens the same link and joins by name.
    guest.open_link(link)
    guest.set_test_hooks(ws_url=stack.ws_url(1), node_id=node2.node_id, screen_source=screen_source)
    if keyboard:
        guest.join_by_keyboard("Gus Guest", submit="space")
    else:
        guest.join(guest_name="Gus Guest")
    if waiting_room:
        guest.wait_screen("waiting")
        # The host admits the guest from the People panel.
        host.click("#ctl-people")
        host.click_label("Admit Gus Guest")
    guest.wait_screen("meeting")
    host_id, guest_id = host.state()["me"], guest.state()["me"]
    host.wait(lambda: len(host.state()["participants"]) == 2, 10, "two participants at the host")

    # Each publisher sits on its own node, and each browser decodes the other's camera.
    host.wait(lambda: host.state()["publisher"]["nodeId"] == node1.node_id, 20, "the host publishing on node 1")
    guest.wait(lambda: guest.state()["publisher"]["nodeId"] == node2.node_id, 20, "the guest publishing on node 2")
    wait_decoding(host, guest_id, "camera")
    wait_decoding(guest, host_id, "camera")
    subscription = next(s for s in host.state()["subscriptions"] if s["participantId"].lower() == guest_id.lower())
    assert subscription["nodeId"] == node2.node_id, subscription
    return host, guest, host_id, guest_id


def drain_watching(node, watcher: MeetBrowser, publisher_id: str, timeout: float = 20) -> float:
    """SIGTERMs `node` (the publisher's) and polls `watcher`'s decoded frames of the publisher's
    camera as fast as WebDriver answers (tens of milliseconds) until they flow on another node
    and the drained node has exited; returns the longest time (s) the counts stood still.
    Coarse (the polling's resolution), for printing, never for asserting."""
    import signal as signals

    def decoded_by_node():
        return {e["nodeId"]: e["framesDecoded"] for e in watcher.stats()
                if e["participantId"].lower() == publisher_id.lower() and e["kind"] == "camera"}

    last, last_progress, longest, moved = decoded_by_node(), time.monotonic(), 0.0, False
    node.process.send_signal(signals.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts, now = decoded_by_node(), time.monotonic()
        if any(count > last.get(key, 0) for key, count in counts.items()):
            longest, last_progress = max(longest, now - last_progress), now
        last = counts
        moved = moved or any(key != node.node_id and count > 30 for key, count in counts.items())
        if moved and node.process.poll() is not None:
            break
    return longest


def metric(node, name: str) -> float:
    """A counter's value from a node's /metrics (0 when not exported yet)."""
    for line in node.http_text("/metrics").splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0
