"""Audio slots in headless Chromium (the web client; docs/signaling.md, "Audio slots").

The stack announces three audio slots above two participants
(`MEET_WS_AUDIO_SLOTS_ABOVE=2`). Ann and Ben meet first: the room is small,
so each hears the other through a section of its own. Cat arrives: the room
is now above the threshold, so every later `perNode` subscribe asks for
three slots, and each node connection switches over in its re-offer (the
people's own audio sections go inactive, the slots take them). Then, in
every browser:

- the connection has three slot <audio> elements and no person's audio stream;
- the slots carry audio (inbound-rtp packets on the slot sections keep rising:
  the two others' microphones, one slot each);
- everyone's camera still decodes.
"""
from __future__ import annotations

import pytest
from meet_e2e.browser import MeetBrowser
from meet_e2e.browser_flows import open_browsers, wait_decoding
from meet_e2e.env import WEB_DIR
from meet_e2e.stack import Stack


@pytest.fixture(scope="module", name="stack")
def slot_stack(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEET_WEB_DIR", str(WEB_DIR))
        running = Stack(tmp_path_factory.mktemp("stack"), ws_env={"MEET_WS_AUDIO_SLOTS_ABOVE": "2"})
    yield running
    running.stop()


browsers = pytest.fixture(name="browsers")(open_browsers)


def slot_packets(browser: MeetBrowser) -> int:
    return sum(e["packetsReceived"] for e in browser.stats() if e["kind"] == "audio-slot")


def test_a_room_that_grows_past_the_threshold_hears_through_audio_slots(stack, browsers):
    node = stack.nodes[0]
    owner = stack.rest.register("Slots Owner")
    code = stack.rest.call("POST", "/v1/meetings", {"title": "Slots"}, owner, expect=201)["code"]

    def arrive(name: str, replica: int) -> MeetBrowser:
        person = browsers(name)
        person.open_link(f"{stack.api.base_url}/{code}")
        person.set_test_hooks(ws_url=stack.ws_url(replica), node_id=node.node_id)
        person.join(guest_name=name)
        person.wait_screen("meeting")
        return person

    ann, ben = arrive("Ann", 0), arrive("Ben", 1)
    for person, other in ((ann, ben), (ben, ann)):
        other_id = other.state()["me"]
        person.wait(lambda: "mic" in next((s["kinds"] for s in person.state()["subscriptions"]
                                           if s["participantId"].lower() == other_id.lower()), []),
                    30, f"{person.name} hearing {other.name} on a section of their own (a small room)")
    cat = arrive("Cat", 0)
    people = [ann, ben, cat]
    ids = [person.state()["me"] for person in people]
    for index, person in enumerate(people):
        person.wait(lambda: person.js("return document.querySelectorAll('audio[data-audio-slot]').length") == 3,
                    30, f"{person.name}: three audio slot elements")
        person.wait(lambda: all("mic" not in s["kinds"] for s in person.state()["subscriptions"]), 30,
                    f"{person.name}: nobody's own audio section any more")
        first = person.wait(lambda: slot_packets(person), 30, f"{person.name}: packets on the audio slots")
        person.wait(lambda: slot_packets(person) > first + 50, 20, f"{person.name}: slot packets still rising")
        for other, other_id in enumerate(ids):
            if other != index:
                wait_decoding(person, other_id, "camera", timeout=60)
