"""Two browsers behind a "strict NAT": every peer connection through a TURN relay.

Debian's coturn runs on loopback with a shared secret (`use-auth-secret`),
and meet-ws is told of it (`MEET_TURN_URLS`, `MEET_TURN_SECRET`). Both
browsers set `meetTest.iceTransportPolicy = 'relay'`, so Chromium gathers
only relayed candidates: a connection that comes up can only run through
the relay, with the credentials meet-ws minted for that participant in its
`joined` snapshot. The test checks that each decodes the other's camera,
that the client configured its peer connections with those credentials,
and that coturn allocated relays for both participants' usernames.
"""
from __future__ import annotations

import pytest
from meet_e2e.browser_flows import guests_in_a_meeting, wait_decoding
from meet_e2e.env import WEB_DIR
from meet_e2e.stack import Stack
from meet_e2e.turn import Coturn


@pytest.fixture(scope="module")
def relayed_stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("turn")
    relay = Coturn(tmp)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("MEET_WEB_DIR", str(WEB_DIR))
            stack = Stack(tmp, ws_replicas=1, sfu_nodes=1, ws_env={
                "MEET_TURN_URLS": ",".join(relay.urls), "MEET_TURN_SECRET": relay.secret,
                "MEET_TURN_TTL_SECONDS": "600"})
    except BaseException:
        relay.stop()
        raise
    yield stack, relay
    stack.stop()
    relay.stop()


def test_two_browsers_meet_through_a_turn_relay(relayed_stack, request):
    stack, relay = relayed_stack
    people = guests_in_a_meeting(stack, "Relayed", ["Nat One", "Nat Two"], ice_transport_policy="relay")
    try:
        one, two = people
        one_id, two_id = one.state()["me"], two.state()["me"]

        wait_decoding(one, two_id, "camera")
        wait_decoding(two, one_id, "camera")

        # The client's peer connections use the relay with its own credentials.
        for person, me in ((one, one_id), (two, two_id)):
            config = person.js_async("import('/ice.js').then((m) => m.peerConnectionConfig())")
            assert config["iceTransportPolicy"] == "relay", config
            servers = config["iceServers"]
            assert [server["urls"] for server in servers] == [relay.urls], servers
            assert servers[0]["username"].endswith(":" + me.lower()), servers

        # coturn allocated relays for both, under the usernames meet-ws minted.
        log = relay.log()
        for me in (one_id, two_id):
            assert f":{me.lower()}" in log, f"no relay session for {me} in coturn's log:\n{log[-4000:]}"
        assert "ALLOCATE processed, success" in log, log[-4000:]
    except BaseException:
        for person in people:
            print(f"---- {person.name}: state {person.safe_state()}\n{person.console()}")
        print(stack.logs())
        print(f"---- coturn\n{relay.log()[-6000:]}")
        raise
    finally:
        for person in people:
            person.quit()
