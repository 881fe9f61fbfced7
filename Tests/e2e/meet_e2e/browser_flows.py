"""What several browsers do together on a running stack, on `browser.MeetBrowser`.

`web_stack()` starts a `stack.Stack` (meet-api, two meet-ws, two meet-sfu)
with meet-api serving `Web/` (MEET_WEB_DIR); `open_browsers` and
`browser_opener` open browsers for a test and quit them; `meet()` brings a
host and a guest into one meeting across nodes; `guests_in_a_meeting()`,
`wait_decoding()`, `drain_watching()` and `metric()` are the steps and reads
the browser tests share.
"""
from __future__ import annotations

import time

import pytest

from .browser import MeetBrowser
from .env import WEB_DIR
from .fixtures import failed
from .stack import Stack
from .waiting import WaitTimeout


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


def open_meeting(browser: MeetBrowser, url: str) -> None:
    """`open_link`, loading the page once more if the first load failed with
    net::ERR_NETWORK_CHANGED: an interface appearing or going anywhere on the host (a container's
    veth, a shaped link's namespace) fails a host Chromium's page loads in flight (seen in
    session 14 in the shaped-link test and in session 18 in scripts/bench-allocation: the app's
    modules not loaded, no prejoin screen)."""
    try:
        browser.open_link(url)
    except WaitTimeout as error:
        if "ERR_NETWORK_CHANGED" not in str(error):
            raise
        print(f"{browser.name}: the page load failed with ERR_NETWORK_CHANGED; loading it again")
        browser.open_link(url)
