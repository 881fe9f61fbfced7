"""The web client (Web/) in headless Chromium against the whole stack.

Two Chromium browsers, each a person, against meet-api (serving Web/), two
meet-ws replicas and two meet-sfu nodes started as processes:

- the host signs up and creates a meeting with a waiting room through the
  home page; the guest opens the shareable link, joins by name and waits;
  the host admits the guest from the People panel;
- their publishers are forced onto different nodes (the test sets the
  client's `meetTest.nodeId` placement hint) and their sockets onto
  different replicas (`meetTest.wsUrl`); each decodes the other's camera
  (`getStats()` inbound-rtp framesDecoded rising);
- chat from the guest appears at the host;
- a screenshot of the two-person meeting goes to the test's tmp_path;
- the guest's socket drops and the client resumes by itself, media intact;
- the host mutes the guest, whose microphone turns off;
- at a phone's width the meeting fits the screen;
- the host removes the guest, who is told so; the host ends the meeting.

A second test shares the guest's screen: a second video at the host, then
cuts the guest off long enough that it rejoins over REST on a new seat
(getDisplayMedia with --auto-select-desktop-capture-source when a probe
shows it works in this headless Chromium, else the client's test-only canvas
source; the test prints which). A third covers the pre-join errors in
words: an unknown code and a meeting password (prompted for, refused when
wrong, accepted when right), then leaving and rejoining with the chat
history. A fourth signs in (not up), makes a meeting with a password and a
waiting room, and denies a guest who joined by keyboard alone. A fifth checks
what one person does shows at the other: speaking, raised hand, camera and
mic state. Both run an accessibility check (`MeetBrowser.assert_accessible`:
Chromium's own accessibility tree) on every screen they pass. A sixth runs
the client's pure logic (the `migrate` plan, naming media sections) inside
Chromium. The last drains the host's node: both browsers follow `migrate`
and keep decoding each other.
"""
from __future__ import annotations

import signal
import socket
import time
import uuid

import pytest
from browser_support import WEB_DIR, MeetBrowser, frames_from, wait_decoding, write_tone
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sfu_support import free_port
from stack_support import Stack

@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    assert (WEB_DIR / "index.html").exists(), f"no web client at {WEB_DIR}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEET_WEB_DIR", str(WEB_DIR))
        running = Stack(tmp_path_factory.mktemp("stack"))
    yield running
    running.stop()


@pytest.fixture
def browsers(stack, request):
    opened: list[MeetBrowser] = []

    def open_browser(name: str, audio_file=None) -> MeetBrowser:
        browser = MeetBrowser(name, stack.api.base_url, audio_file=audio_file)
        opened.append(browser)
        return browser

    yield open_browser
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
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


def metric(node, name: str) -> float:
    """A counter's value from a node's /metrics (0 when not exported yet)."""
    for line in node.http_text("/metrics").splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def test_two_browsers_meet_across_nodes(stack, browsers, tmp_path):
    started = time.monotonic()
    host, guest, host_id, guest_id = meet(stack, browsers, waiting_room=True)
    shot = host.screenshot(tmp_path / "two-person-meeting.png")
    print(f"screenshot of the two-person meeting: {shot}")

    # Congestion control: Chromium numbers its packets transport-wide, each node
    # answers with feedback, and the browser's estimator runs on it.
    for node in stack.nodes[:2]:
        node_feedback = metric(node, "meet_sfu_transport_feedback_total")
        assert node_feedback > 0, f"{node.node_id} sent no transport-wide feedback"
    estimate = host.js_async("window.meetDebug.publisherStats()")["availableOutgoingBitrate"]
    print(f"host's send-side estimate {estimate} bit/s; feedback packets from node 1 {metric(stack.nodes[0], 'meet_sfu_transport_feedback_total')}")
    assert estimate and estimate > 0, estimate

    # Chat from the guest appears at the host.
    guest.click("#ctl-chat")
    guest.fill("#chat-input", "hello from Gus")
    guest.click("#chat-form button[type=submit]")
    host.click("#ctl-chat")
    host.wait(lambda: "hello from Gus" in host.text("#chat-list"), 10, "the guest's chat message")

    # A network blip: the guest's socket drops; the client resumes by itself.
    guest.js("window.meetDebug.dropConnection()")
    guest.wait(lambda: guest.state()["connected"], 20, "the guest reconnected")
    assert guest.state()["me"] == guest_id, "the guest came back as someone else"
    before = frames_from(host, guest_id, "camera")
    host.wait(lambda: frames_from(host, guest_id, "camera") > before, 10, "the guest's video after the blip")
    assert len(host.state()["participants"]) == 2

    # The host mutes the guest: the guest's microphone turns off and everyone sees it.
    host.click("#ctl-people")
    host.click_label("Mute Gus Guest")
    guest.wait(lambda: guest.text("#ctl-mic") == "Unmute microphone", 10, "the guest's mic turned off by the host")
    host.wait(lambda: "microphone off" in host.js(
        "return document.querySelector(`.tile[data-participant-id='${arguments[0]}']`).getAttribute('aria-label')",
        guest_id.lower()), 10, "the guest shown muted at the host")

    # At a phone's width the meeting still fits (a second screenshot, for people to look at).
    guest.driver.set_window_size(390, 844)
    guest.click("#side-close")
    print(f"screenshot at a phone's width: {guest.screenshot(tmp_path / 'phone-width.png')}")
    layout = guest.js("""const width = document.documentElement.clientWidth;
        const outside = [...document.querySelectorAll('#meeting .controls button:not([hidden]), #grid .tile')]
            .filter((el) => { const r = el.getBoundingClientRect(); return r.left < 0 || r.right > width + 1; })
            .map((el) => el.id || el.className);
        return {width, scroll: document.documentElement.scrollWidth, outside};""")
    assert layout["width"] <= 500 and layout["scroll"] <= layout["width"] and not layout["outside"], \
        f"the meeting does not fit a phone's width: {layout}"

    # The host removes the guest, who is told so.
    host.click_label("Remove Gus Guest")
    guest.wait_screen("ended")
    assert guest.text("#ended-title") == "You were removed from the meeting"
    host.wait(lambda: len(host.state()["participants"]) == 1, 10, "the guest gone at the host")

    # The host ends the meeting for everyone.
    host.click("#ctl-end")
    host.click("#end-yes")
    host.wait_screen("ended")
    assert host.text("#ended-title") == "The meeting has ended"
    print(f"browser meeting scenario took {time.monotonic() - started:.1f}s")


def test_screen_share_is_a_second_video(stack, browsers, tmp_path):
    """Needs meet-sfu to renegotiate a publisher transport (`publish` again on the same connection)."""
    started = time.monotonic()
    probe = MeetBrowser.probe_display_capture(stack.api.base_url)
    print(f"screen source for this run: {probe}")
    host, guest, host_id, guest_id = meet(stack, browsers, waiting_room=False,
                                          screen_source="display" if probe == "display" else "canvas")
    guest.click("#ctl-screen")

    def screen_arrived() -> int:
        refused = [a for a in guest.js("return window.meetDebug.alerts()") if "share your screen" in a]
        assert not refused, f"the guest's screen share was refused: {refused[-1]}"
        return frames_from(host, guest_id, "screen")

    host.wait(screen_arrived, 30, "decoded screen video from the guest")
    wait_decoding(host, guest_id, "screen")
    host.wait(lambda: host.js("return !!document.querySelector('.tile.screen video')"), 10, "a screen tile")
    wait_decoding(host, guest_id, "camera")  # the camera still flows beside the screen
    host.screenshot(tmp_path / "screen-share.png")
    # Stopping the share removes the second video.
    guest.click("#ctl-screen")
    host.wait(lambda: host.js("return !document.querySelector('.tile.screen')"), 15, "the screen tile gone")

    # A longer outage: the guest's reconnects fail to open (a dead address), so the
    # client joins again over REST; back online it has a new seat, publishes
    # again and the host decodes its camera under the new id.
    dead = f"ws://127.0.0.1:{free_port(socket.SOCK_STREAM)}/v1/ws"
    guest.js("window.meetTest.wsUrl = arguments[0]; window.meetDebug.dropConnection()", dead)
    guest.wait(lambda: guest.state()["renewing"] or guest.state()["failedOpens"] >= 2, 15, "two failed reconnects")
    guest.js("window.meetTest.wsUrl = arguments[0]", stack.ws_url(1))
    guest.wait(lambda: guest.state()["connected"] and guest.state()["me"] != guest_id, 30, "the guest on a new seat")
    new_id = guest.state()["me"]
    wait_decoding(host, new_id, "camera")
    wait_decoding(guest, host_id, "camera")
    print(f"screen share scenario took {time.monotonic() - started:.1f}s")


def test_prejoin_errors_in_words(stack, browsers):
    owner = stack.rest.register("Olga Owner")
    code = stack.rest.call("POST", "/v1/meetings", {"title": "Locked", "password": "open sesame"}, owner, expect=201)["code"]
    guest = browsers("Pat")

    # An unknown meeting: the REST 404 in words.
    guest.open_link(f"{stack.api.base_url}/zzz-zzzz-zzz")
    guest.join(guest_name="Pat")
    guest.wait(lambda: "no meeting with that code" in guest.text("#join-form .form-error"), 10, "the not-found message")

    # A password: prompted for, refused when wrong, accepted when right.
    guest.open_link(f"{stack.api.base_url}/{code}")
    guest.set_test_hooks(ws_url=stack.ws_url(0))
    guest.join(guest_name="Pat")
    guest.wait(lambda: "needs a password" in guest.text("#join-form .form-error"), 10, "the password prompt")
    assert guest.js("return !document.getElementById('join-password-label').hidden")
    guest.join(password="wrong one")
    guest.wait(lambda: "password is not right" in guest.text("#join-form .form-error"), 10, "the wrong-password message")
    guest.join(password="open sesame")
    guest.wait_screen("meeting")
    guest.click("#ctl-chat")
    guest.fill("#chat-input", "a note for later")
    guest.press(Keys.ENTER)
    guest.wait(lambda: "a note for later" in guest.text("#chat-list"), 10, "the message sent")

    # Leave, then rejoin from the ended screen: one tile, one set of controls, and the
    # chat history (from REST) with the message sent before leaving.
    guest.click("#ctl-leave")
    guest.wait_screen("ended")
    assert guest.text("#ended-title") == "You left the meeting"
    guest.click("#rejoin")
    guest.wait_screen("prejoin")
    guest.join(password="open sesame")
    guest.wait_screen("meeting")
    guest.wait(lambda: guest.js("return document.querySelectorAll('#grid .tile').length") == 1, 10, "exactly one tile")
    guest.click("#ctl-chat")
    assert guest.js("return !document.getElementById('side').hidden"), "the chat button toggled twice"
    guest.wait(lambda: "a note for later" in guest.text("#chat-list"), 10, "the chat history after rejoining")


def test_sign_in_and_deny_a_waiting_guest(stack, browsers, tmp_path):
    """Sign in (not sign up): a registered person signs in from the home page (a wrong
    password first, refused in words) and creates a meeting with a password and a waiting
    room. A guest sees their camera and microphone level before joining, then joins by
    keyboard alone (Tab to the name, type, Enter; asked for the password, type it, Enter)
    and waits; the host denies them from the People panel: the guest is told so in words
    and the host's waiting list empties. Every screen on the way passes the accessibility
    check."""
    email, password = f"signin-{uuid.uuid4().hex[:10]}@example.com", "correct horse battery"
    stack.rest.call("POST", "/v1/auth/register", {"email": email, "password": password, "displayName": "Sam Signin"},
                    expect=201)
    host = browsers("Sam Signin")
    guest = browsers("Dee Denied", audio_file=write_tone(tmp_path / "tone.wav"))

    host.sign_in(email, "not my password")
    host.wait(lambda: "do not match an account" in host.text("#login-form .form-error"), 10, "the refusal in words")
    host.assert_accessible("the home page")
    # The check itself finds what it is for: a button without a name, and a name that
    # drops the button's visible words.
    host.js("""document.getElementById('login-form').append(
        Object.assign(document.createElement('button'), {type: 'button', className: 'probe'}),
        Object.assign(document.createElement('button'), {type: 'button', className: 'probe', textContent: 'Go'}));
        document.querySelectorAll('.probe')[1].setAttribute('aria-label', 'Proceed');""")
    problems = host.accessibility_problems()
    assert len(problems) == 2 and "button without a name" in problems[0] and "drops the visible text" in problems[1], problems
    host.js("document.querySelectorAll('.probe').forEach((probe) => probe.remove())")
    host.sign_in(email, password)
    host.wait(lambda: host.driver.find_element(By.ID, "signed-in").is_displayed(), 15, "signed in")
    host.fill("#create-form input[name=password]", "let me in")
    link = host.create_meeting("Signed in", waiting_room=True)
    assert "Signed in as Sam Signin" in host.text("#account")
    host.assert_accessible("the signed-in home page")
    host.open_link(link)
    host.set_test_hooks(ws_url=stack.ws_url(0))
    host.join()  # members need no password
    host.wait_screen("meeting")
    assert host.state()["role"] == "owner", "the signed-in person did not join as the meeting's owner"

    # The pre-join preview: camera pictures and a moving microphone level.
    guest.open_link(link)
    guest.set_test_hooks(ws_url=stack.ws_url(1))
    guest.wait(lambda: guest.js("return document.getElementById('preview').videoWidth > 0"), 15, "the camera preview")
    guest.wait(lambda: guest.js("return document.getElementById('preview-level').value > 0.05"), 15,
               "the microphone level meter moving")
    guest.assert_accessible("the pre-join screen")
    guest.join_by_keyboard("Dee Denied", submit="enter")
    guest.wait(lambda: "needs a password" in guest.text("#join-form .form-error"), 10, "the password prompt")
    guest.wait(lambda: guest.focused("#join-form input[name=password]"), 5, "focus on the password field")
    guest.assert_accessible("the pre-join screen asking for the password")
    guest.press("let me in", Keys.ENTER)
    guest.wait_screen("waiting")
    guest.assert_accessible("the waiting screen")

    host.wait(lambda: host.text("#people-badge") == "1 waiting", 10, "the waiting guest counted on People")
    host.click("#ctl-people")
    host.wait(lambda: "Dee Denied" in host.text("#waiting-list"), 10, "the guest in the waiting list")
    host.assert_accessible("the People panel with a guest waiting")
    host.click_label("Deny Dee Denied")
    guest.wait_screen("ended")
    assert guest.text("#ended-title") == "You were not let in"
    assert "declined your request to join" in guest.text("#ended-detail")
    assert not guest.driver.find_element(By.ID, "rejoin").is_displayed(), "Rejoin offered after a denial"
    guest.assert_accessible("the ended screen")
    host.wait(lambda: not host.state()["waiting"] and host.js(
        "return document.getElementById('waiting-section').hidden && !document.querySelector('#waiting-list li')"),
        10, "the host's waiting list empty")
    assert not host.driver.find_element(By.ID, "people-badge").is_displayed()
    assert [p["name"] for p in host.state()["participants"]] == ["Sam Signin"]


def test_hand_camera_mic_and_speaking_seen_by_the_other(stack, browsers, tmp_path):
    """The guest joins by keyboard alone (Tab to the name, Tab to Join now, Space). What one
    person does shows at the other: speaking (the guest's microphone plays a steady tone;
    the host's tile for the guest gets its speaking outline from the received audio), a
    raised hand (tile and People panel, in words) and lowering it, camera off and on, mic
    off (no longer speaking) and on (speaking again). The meeting screen and both panels
    pass the accessibility check; Escape closes a panel."""
    host, guest, host_id, guest_id = meet(stack, browsers, waiting_room=False, keyboard=True,
                                          guest_audio=write_tone(tmp_path / "tone.wav"))
    tile = f".tile[data-participant-id='{guest_id.lower()}']"
    tile_label = lambda: host.js("return document.querySelector(arguments[0]).getAttribute('aria-label')", tile)
    shown = lambda selector: host.js("const el = document.querySelector(arguments[0]);"
                                     "return !!el && !!(el.offsetWidth || el.offsetHeight)", selector)
    speaking = lambda: host.js("return document.querySelector(arguments[0]).classList.contains('speaking')", tile)
    assert "Gus Guest" in host.text(tile), "the guest's name is not on their tile"
    host.wait(speaking, 20, "the guest shown speaking at the host")

    # Raise hand, then lower it.
    guest.click("#ctl-hand")
    guest.wait(lambda: guest.text("#ctl-hand") == "Lower hand", 10, "the guest's hand raised")
    host.wait(lambda: "hand raised" in tile_label() and shown(f"{tile} .hand"), 10, "the raised hand at the host")
    host.click("#ctl-people")
    assert host.focused("#side-title"), "opening People did not move focus into the panel"
    row = f"#people-list li[data-participant-id='{guest_id.lower()}']"
    host.wait(lambda: "hand raised" in host.text(row), 10, "the raised hand in the People panel")
    host.assert_accessible("the People panel (host)")
    guest.click("#ctl-hand")
    guest.wait(lambda: guest.text("#ctl-hand") == "Raise hand", 10, "the guest's hand lowered")
    host.wait(lambda: "hand raised" not in tile_label() and not shown(f"{tile} .hand")
              and "hand raised" not in host.text(row), 10, "the hand gone at the host")

    # Keyboard: Escape closes the panel and gives focus back to the button that opened it.
    host.press(Keys.ESCAPE)
    host.wait(lambda: host.js("return document.getElementById('side').hidden"), 5, "the panel closed by Escape")
    assert host.focused("#ctl-people"), "focus did not return to the People button"

    # Camera off: the host sees the guest's initials and "Camera off" instead of video; on again: video.
    guest.click("#ctl-camera")
    host.wait(lambda: "camera off" in tile_label() and shown(f"{tile} .avatar")
              and "Camera off" in host.text(tile), 10, "the guest's camera off at the host")
    assert host.js("return document.querySelector(arguments[0] + ' video.camera').style.visibility", tile) == "hidden"
    guest.click("#ctl-camera")
    host.wait(lambda: "camera on" in tile_label() and not shown(f"{tile} .avatar"), 10, "the guest's camera on again")
    wait_decoding(host, guest_id, "camera")
    # The host stops the guest's video: the guest is told, and it shows as off at the host.
    host.click("#ctl-people")
    host.click_label("Stop video of Gus Guest")
    host.click("#side-close")
    guest.wait(lambda: guest.text("#ctl-camera") == "Turn camera on", 10, "the guest's camera turned off by the host")
    assert any("Hana Host turned off your camera" in a for a in guest.js("return window.meetDebug.alerts()"))
    host.wait(lambda: "camera off" in tile_label(), 10, "the guest's camera off at the host after Stop video")

    # Mic off by the guest themself: shown muted, and no longer speaking (silence arrives);
    # on again: unmuted, and speaking again.
    guest.click("#ctl-mic")
    host.wait(lambda: "microphone off" in tile_label() and "Muted" in host.text(tile) and not speaking(), 10,
              "the guest muted (and silent) at the host")
    guest.click("#ctl-mic")
    host.wait(lambda: "microphone on" in tile_label() and "Muted" not in host.text(tile) and speaking(), 20,
              "the guest unmuted and speaking again at the host")

    # The meeting screen and the chat panel, as a screen reader meets them.
    guest.assert_accessible("the meeting screen")
    guest.click("#ctl-chat")
    assert guest.focused("#chat-input"), "opening chat did not put focus in the message field"
    guest.assert_accessible("the chat panel")
    guest.click("#ctl-people")
    guest.assert_accessible("the People panel (guest)")


def test_client_logic_in_the_browser(stack, browsers):
    """The client's pure pieces, run in Chromium itself (no Node on the test machines):
    the `migrate` plan and the naming of a subscription's media sections."""
    page = browsers("Logic")
    page.driver.get(stack.api.base_url + "/")
    result = page.js_async("""Promise.all([import('/migration.js'), import('/subscriber.js')]).then(([m, s]) => {
        const state = {publisher: {active: true, transportId: 'p1'},
                       subscriptions: [{participantId: 'BB', transportId: 's1', nodeId: 'n2'},
                                       {participantId: 'CC', transportId: 's2', nodeId: 'n1'}]};
        const sdp = ['v=0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:0', 'a=sendonly',
                     'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:1', 'a=sendonly',
                     'm=video 0 UDP/TLS/RTP/SAVPF 96', 'a=mid:2',
                     'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:3', 'a=sendonly', ''].join('\\r\\n');
        return {
            draining: m.planMigration({reason: 'node_draining', nodeId: 'n1', transportId: 'p1', targetNodeId: 'n3'}, state),
            lost: m.planMigration({reason: 'node_lost', nodeId: 'n1', transportId: 'p1'}, state),
            otherTransport: m.planMigration({reason: 'node_draining', nodeId: 'n1', transportId: 'old'}, state),
            moved: m.planMigration({reason: 'publisher_moved', nodeId: 'n1', transportId: 's2',
                                    publisherParticipantId: 'cc', targetNodeId: 'n3'}, state),
            alreadyThere: m.planMigration({reason: 'publisher_moved', nodeId: 'n9', transportId: 's1',
                                           publisherParticipantId: 'BB', targetNodeId: 'n2'}, state),
            notAnObject: m.planMigration('garbage', state),
            mids: Object.fromEntries(s.kindsByOfferMid(sdp, [{kind: 'mic'}, {kind: 'camera'}, {kind: 'screen'}])),
            midsMismatch: Object.fromEntries(s.kindsByOfferMid(sdp, [{kind: 'mic'}])),
        };
    })""")
    assert "error" not in result, result
    assert result["draining"] == {"republish": {"replaces": "p1", "lost": False}, "resubscribe": []}
    assert result["lost"] == {"republish": {"replaces": "p1", "lost": True}, "resubscribe": []}
    assert result["otherTransport"] == {"republish": None, "resubscribe": []}
    assert result["moved"] == {"republish": None,
                               "resubscribe": [{"participantId": "CC", "targetNodeId": "n3", "lost": False}]}
    assert result["alreadyThere"] == {"republish": None, "resubscribe": []}
    assert result["notAnObject"] == {"republish": None, "resubscribe": []}
    assert result["mids"] == {"0": "mic", "1": "camera", "3": "screen"}
    assert result["midsMismatch"] == {}


def test_browsers_follow_a_drain_without_a_break(stack, browsers):
    """Last in this module (it takes node 1 away): SIGTERM to the host's node; both
    browsers follow `migrate` by themselves (the host republishes, the guest
    resubscribes) and keep decoding each other; the drained node exits 0 once empty."""
    spare = stack.add_node()
    node1, node2 = stack.nodes[0], stack.nodes[1]
    host, guest, host_id, guest_id = meet(stack, browsers, waiting_room=False)
    node1.process.send_signal(signal.SIGTERM)
    host.wait(lambda: host.state()["publisher"]["nodeId"] in (node2.node_id, spare.node_id), 20,
              "the host publishing on another node")
    new_node = host.state()["publisher"]["nodeId"]
    guest.wait(lambda: any(s["participantId"].lower() == host_id.lower() and s["nodeId"] == new_node
                           and s["state"] == "connected" for s in guest.state()["subscriptions"]), 20,
               "the guest watching the host on its new node")
    wait_decoding(guest, host_id, "camera")
    wait_decoding(host, guest_id, "camera")
    deadline = time.monotonic() + 30
    while node1.process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert node1.process.poll() == 0, f"drained node exit status {node1.process.poll()}\n{node1.log()}"
    assert not [a for a in host.js("return window.meetDebug.alerts()") + guest.js("return window.meetDebug.alerts()")
                if "error" in a.lower()], "an error was shown during the drain"
