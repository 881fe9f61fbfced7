"""What people do in the web client, and that the other person sees it, in
headless Chromium against the whole stack (meet_e2e.browser_flows: meet-api serving
Web/, two meet-ws replicas, two meet-sfu nodes).

- The pre-join errors in words: an unknown code; a meeting password
  (prompted for, refused when wrong, accepted when right); leaving and
  rejoining with the chat history.
- Signing in (not up), making a meeting with a password and a waiting room,
  and denying a guest who joined by keyboard alone.
- What one person does shows at the other: speaking, raised hand, camera and
  mic state, a host's "Stop video".

The last two run an accessibility check (`MeetBrowser.assert_accessible`:
Chromium's own accessibility tree) on every screen they pass. The meeting
itself across nodes, screen share, reconnects and drains are in
test_browser_meeting.py.
"""
from __future__ import annotations

import uuid

import pytest
from meet_e2e.browser import write_tone
from meet_e2e.browser_flows import meet, open_browsers, wait_decoding, web_stack
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

# The stack for this module and the browsers of each test (meet_e2e.browser_flows).
stack = pytest.fixture(scope="module", name="stack")(web_stack)
browsers = pytest.fixture(name="browsers")(open_browsers)


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
    the host's tile for the guest gets its speaking outline from `active-speakers`, and is
    the big tile of the host's speaker view), a
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
    # Speaker view: the top speaker (the guest, from `active-speakers`) is the big tile, first in the grid.
    host.click("#ctl-view")
    host.wait(lambda: host.js("const el = document.querySelector(arguments[0]);"
                              "return el.classList.contains('featured') && getComputedStyle(el).order === '-1'"
                              " && el.offsetWidth > document.querySelector('.tile.self').offsetWidth", tile),
              10, "the speaking guest as the speaker view's big tile")
    assert host.text("#ctl-view") == "Grid view"
    host.click("#ctl-view")
    host.wait(lambda: not host.js("return document.querySelector(arguments[0]).classList.contains('featured')", tile),
              5, "the grid view again")

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
