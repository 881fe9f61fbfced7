"""One subscriber connection per node, in headless Chromium (the web client).

Four browsers join one meeting: two publish on node 1 and two on node 2
(`meetTest.nodeId` placement hints), sockets on both replicas. Each browser
then holds exactly three peer connections, counted in the page (a wrapper
around `RTCPeerConnection` installed before joining): its publisher and one
subscriber connection to each node, the one to its own node carrying its
neighbour and the other carrying the two people there. Each decodes every
other person's camera (`getStats()` inbound-rtp framesDecoded rising, by
the section's mid). A second test has a person leave and another come on
the same node while a third stays: the newcomer's tracks reuse the leaver's
idle m-lines in the watcher's connection (the offer does not grow) and are
decoded.
"""
from __future__ import annotations

import pytest
from meet_e2e.browser import MeetBrowser
from meet_e2e.browser_flows import open_browsers, wait_decoding, web_stack

stack = pytest.fixture(scope="module", name="stack")(web_stack)
browsers = pytest.fixture(name="browsers")(open_browsers)

COUNT_CONNECTIONS = """
const Native = window.RTCPeerConnection;
window.meetPeerConnections = [];
window.RTCPeerConnection = class extends Native {
  constructor(...args) { super(...args); window.meetPeerConnections.push(this); }
};
"""


def open_connections(browser: MeetBrowser) -> int:
    return browser.js("return window.meetPeerConnections.filter((pc) => pc.connectionState !== 'closed').length")


def test_four_browsers_on_two_nodes_hold_three_peer_connections_each(stack, browsers):
    node1, node2 = stack.nodes
    owner = stack.rest.register("Nodes Owner")
    code = stack.rest.call("POST", "/v1/meetings", {"title": "Nodes"}, owner, expect=201)["code"]
    people = []
    for index, name in enumerate(["Ann", "Ben", "Cat", "Dan"]):
        person = browsers(name)
        person.open_link(f"{stack.api.base_url}/{code}")
        person.js(COUNT_CONNECTIONS)
        node = node1 if index < 2 else node2
        person.set_test_hooks(ws_url=stack.ws_url(index % 2), node_id=node.node_id)
        person.join(guest_name=name)
        person.wait_screen("meeting")
        people.append(person)
    ids = [person.state()["me"] for person in people]
    for index, person in enumerate(people):
        expected = node1.node_id if index < 2 else node2.node_id
        person.wait(lambda: person.state()["publisher"]["nodeId"] == expected, 20, f"{person.name} publishing on {expected}")

    for index, person in enumerate(people):
        for other, other_id in enumerate(ids):
            if other != index:
                wait_decoding(person, other_id, "camera", timeout=60)
        subscriptions = person.state()["subscriptions"]
        assert len({s["transportId"] for s in subscriptions}) == 2, subscriptions
        assert {s["nodeId"] for s in subscriptions} == {node1.node_id, node2.node_id}, subscriptions
        person.wait(lambda: open_connections(person) == 3, 10,
                    f"{person.name}: 1 publisher + 2 node connections (has {open_connections(person)})")


def remote_sections(browser: MeetBrowser) -> int:
    """m-lines in the remote description of the page's one subscriber connection."""
    return browser.js("""
        const subs = window.meetPeerConnections.filter((pc) => pc.remoteDescription && pc.remoteDescription.type === 'offer'
            && pc.connectionState !== 'closed');
        return subs.length === 1 ? subs[0].remoteDescription.sdp.split('\\r\\nm=').length - 1 : -subs.length;""")


def test_a_newcomer_reuses_the_sections_of_someone_who_left(stack, browsers):
    node1 = stack.nodes[0]
    owner = stack.rest.register("Reuse Owner")
    code = stack.rest.call("POST", "/v1/meetings", {"title": "Reuse"}, owner, expect=201)["code"]

    def arrive(name: str) -> MeetBrowser:
        person = browsers(name)
        person.open_link(f"{stack.api.base_url}/{code}")
        person.js(COUNT_CONNECTIONS)
        person.set_test_hooks(ws_url=stack.ws_url(0), node_id=node1.node_id)
        person.join(guest_name=name)
        person.wait_screen("meeting")
        return person

    ann, ben, dan = arrive("Ann"), arrive("Ben"), arrive("Dan")
    for other in (ben, dan):
        wait_decoding(ann, other.state()["me"], "camera", timeout=60)
    ann.wait(lambda: remote_sections(ann) == 4, 10, "Ann's connection carrying Ben's and Dan's sections")
    ben.click("#ctl-leave")
    ann.wait(lambda: len(ann.state()["subscriptions"]) == 1, 20, "Ben gone from Ann's subscriptions, Dan still there")
    cat = arrive("Cat")
    wait_decoding(ann, cat.state()["me"], "camera", timeout=60)
    wait_decoding(ann, dan.state()["me"], "camera", timeout=20)
    assert remote_sections(ann) == 4, remote_sections(ann)  # Cat took Ben's m-lines
    assert open_connections(ann) == 2  # Ann's publisher and the one connection to node 1
