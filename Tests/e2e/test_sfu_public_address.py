"""meet-sfu learns its public address from a STUN server (MEET_SFU_PUBLIC_IP_STUN).

Debian's coturn answers Binding requests on 127.0.0.1. The node binds its
media socket to 127.0.0.2 (loopback is a /8 on Linux), so the reflexive
address coturn reports, 127.0.0.2, differs from the default
MEET_SFU_PUBLIC_IP (127.0.0.1): the registry record carrying it shows the
discovery happened. With no STUN server answering, the node refuses to
start, naming the variable, rather than announce an address nobody can reach.
"""
from __future__ import annotations

import socket

import pytest
from meet_e2e.env import free_port, redis_url_from_env
from meet_e2e.sfu import SFUNode, first_record
from meet_e2e.turn import Coturn


def test_node_announces_the_address_a_stun_server_sees(tmp_path):
    relay = Coturn(tmp_path)
    node = None
    try:
        node = SFUNode(tmp_path, redis_url_from_env(), extra_env={
            "MEET_SFU_UDP_HOST": "127.0.0.2", "MEET_SFU_PUBLIC_IP": "",
            "MEET_SFU_PUBLIC_IP_STUN": f"127.0.0.1:{relay.port}"})
        record = first_record(node)
        assert record["publicIP"] == "127.0.0.2", f"{record}\n{node.log()}"
        assert "public address discovered" in node.log()
    finally:
        if node is not None:
            node.stop()
        relay.stop()


def test_node_refuses_to_start_without_an_answer(tmp_path):
    silent = free_port(socket.SOCK_DGRAM)  # nobody listens there
    with pytest.raises(RuntimeError) as failure:
        SFUNode(tmp_path, redis_url_from_env(), extra_env={
            "MEET_SFU_PUBLIC_IP": "", "MEET_SFU_PUBLIC_IP_STUN": f"127.0.0.1:{silent}"})
    message = str(failure.value)
    assert "meet-sfu exited with" in message and "exited with 0" not in message, message
    assert "MEET_SFU_PUBLIC_IP_STUN" in message and "no Binding answer" in message, message
