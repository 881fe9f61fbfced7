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
- chat from the guest appears at the host, and a reaction on the guest's tile;
- a poll run to results: created and launched by the host, voted by the guest, closed;
- a screenshot of the two-person meeting goes to the test's tmp_path;
- the guest's socket drops and the client resumes by itself, media intact;
- the host mutes the guest, whose microphone turns off;
- at a phone's width the meeting fits the screen;
- the host removes the guest, who is told so; the host ends the meeting.

A second test shares the guest's screen: a second video at the host, then
cuts the guest off long enough that it rejoins over REST on a new seat
(getDisplayMedia with --auto-select-desktop-capture-source when a probe
shows it works in this headless Chromium, else the client's test-only canvas
source; the test prints which). A third runs the client's pure logic (the
`migrate` plan, naming media sections) inside Chromium. The last drains the
host's node: both browsers follow `migrate` and keep decoding each other.
What people do (pre-join errors, sign-in, deny, hand, camera, speaking,
accessibility) is in test_browser_people.py.
"""
from __future__ import annotations

import socket
import time

import pytest
from meet_e2e.browser import MeetBrowser
from meet_e2e.browser_flows import (drain_watching, frames_from, meet, metric, open_browsers, wait_decoding,
                                    web_stack)
from meet_e2e.env import free_port
from meet_e2e.waiting import block_until
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

# The stack for this module and the browsers of each test (meet_e2e.browser_flows).
stack = pytest.fixture(scope="module", name="stack")(web_stack)
browsers = pytest.fixture(name="browsers")(open_browsers)


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

    # A private message from the guest to the host: marked private there.
    Select(guest.driver.find_element("id", "chat-to")).select_by_value(host_id.lower())
    guest.fill("#chat-input", "psst, only you")
    guest.click("#chat-form button[type=submit]")
    host.wait(lambda: "psst, only you" in host.text("#chat-list .private"), 10, "the private message, marked private")
    assert "privately to you" in host.text("#chat-list .private")

    # A reaction from the guest shows on the guest's tile at the host (the replicas differ), then goes.
    guest.click_label("👏 Applause")
    reaction = "return [...document.querySelectorAll(`.tile[data-participant-id='${arguments[0]}'] .reaction`)].map((el) => el.textContent)"
    host.wait(lambda: host.js(reaction, guest_id.lower()) == ["👏"], 10, "the guest's reaction on its tile at the host")
    host.wait(lambda: host.js(reaction, guest_id.lower()) == [], 10, "the reaction gone after a few seconds")

    # A poll run to results (the replicas differ): the host creates and launches it, the guest
    # votes, the host sees the live tally, the guest sees the results once the host closes it.
    def poll_button(browser, label):
        return browser.driver.find_element(By.XPATH, f"//ol[@id='polls-list']//button[text()='{label}']")
    host.click("#ctl-polls")
    host.fill("#poll-question", "Lunch?")
    host.fill("#poll-options", "Pizza\nSoup")
    host.click("#poll-form button[type=submit]")
    host.wait(lambda: "Launch" in host.text("#polls-list"), 10, "the draft poll at the host")
    poll_button(host, "Launch").click()
    guest.click("#ctl-polls")
    guest.wait(lambda: "Lunch?" in guest.text("#polls-list"), 10, "the launched poll at the guest")
    guest.driver.find_element(By.XPATH, "//ol[@id='polls-list']//label[contains(., 'Soup')]/input").click()
    poll_button(guest, "Vote").click()
    host.wait(lambda: "1 voted" in host.text("#polls-list"), 10, "the live tally at the host")
    assert "voted" not in guest.text("#polls-list"), guest.text("#polls-list")  # no results before the close
    poll_button(host, "Close").click()
    guest.wait(lambda: "1 voted" in guest.text("#polls-list"), 10, "the results at the guest")
    host.click("#polls-close")
    guest.click("#polls-close")

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
    longest = drain_watching(node1, guest, host_id)
    print(f"plain drain: the longest the guest's decoded frames of the host's camera stood still, polled: "
          f"{longest * 1000:.0f} ms")
    host.wait(lambda: host.state()["publisher"]["nodeId"] in (node2.node_id, spare.node_id), 20,
              "the host publishing on another node")
    new_node = host.state()["publisher"]["nodeId"]
    guest.wait(lambda: any(s["participantId"].lower() == host_id.lower() and s["nodeId"] == new_node
                           and s["state"] == "connected" for s in guest.state()["subscriptions"]), 20,
               "the guest watching the host on its new node")
    wait_decoding(guest, host_id, "camera")
    wait_decoding(host, guest_id, "camera")
    block_until(lambda: node1.process.poll() is not None, 30, "the drained node to exit", details=node1.log)
    assert node1.process.poll() == 0, f"drained node exit status {node1.process.poll()}\n{node1.log()}"
    assert not [a for a in host.js("return window.meetDebug.alerts()") + guest.js("return window.meetDebug.alerts()")
                if "error" in a.lower()], "an error was shown during the drain"
