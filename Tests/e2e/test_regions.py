"""Multi-region placement (issue #19, item 4), through the real stack.

Three SFU nodes labelled in two regions (`MEET_SFU_REGION`: two in `eu`,
one in `us`), two meet-ws replicas whose own region is `eu`
(`MEET_WS_REGION`). A publisher is placed on a node of its region: the
region its `publish` names, else the one the ingress's header
(`X-Meet-Region`) named at the upgrade, else the replica's. A region with
no serving node falls back to any node and is counted in
`meet_ws_placement_region_fallbacks_total`; a header that is not a region
label is ignored; a `publish` naming an invalid region is refused with
`invalid_data`.
"""
from __future__ import annotations

import asyncio
import re
import urllib.request

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.participant import Participant
from meet_e2e.sfu import first_record
from meet_e2e.signaling import SignalError
from meet_e2e.stack import Stack


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request, sfu_nodes=0, ws_env={"MEET_WS_REGION": "eu"})


def fallbacks(base_url: str) -> float:
    with urllib.request.urlopen(base_url + "/metrics", timeout=5) as response:
        text = response.read().decode()
    match = re.search(r"^meet_ws_placement_region_fallbacks_total (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def scenario(stack: Stack) -> None:
    nodes = [stack.add_node({"MEET_SFU_REGION": region}) for region in ("eu", "eu", "us")]
    for node in nodes:
        first_record(node)
    region_of = {node.node_id: region for node, region in zip(nodes, ("eu", "eu", "us"))}
    owner = stack.rest.register("Owner")
    code = stack.rest.create_meeting(owner)
    cases = [
        # (name, upgrade headers, publish region, expected region)
        ("header-us", {"X-Meet-Region": "us"}, None, "us"),
        ("asks-eu-over-header", {"X-Meet-Region": "us"}, "eu", "eu"),
        ("replica-default", None, None, "eu"),
        ("garbage-header", {"X-Meet-Region": "us; eu"}, None, "eu"),
        ("asks-us", None, "us", "us"),
    ]
    people: list[Participant] = []
    try:
        for index, (name, headers, region, expected) in enumerate(cases):
            person = Participant(name)
            people.append(person)
            await person.join(stack, code, replica=index % 2, headers=headers)
            placed = await person.publish(region=region)
            assert region_of[placed["nodeId"]] == expected, (name, placed["nodeId"], region_of)
        assert fallbacks(stack.replicas[0].base_url) + fallbacks(stack.replicas[1].base_url) == 0

        # A region with no node: the least loaded node anywhere, counted.
        lost = Participant("header-ap")
        people.append(lost)
        await lost.join(stack, code, replica=0, headers={"X-Meet-Region": "ap"})
        placed = await lost.publish()
        assert placed["nodeId"] in region_of
        assert fallbacks(stack.replicas[0].base_url) == 1

        # An invalid region in publish: a clear error, nothing placed.
        bad = Participant("bad-region")
        people.append(bad)
        await bad.join(stack, code, replica=1)
        with pytest.raises(SignalError) as refused:
            await bad.publish(region="eu west")
        assert refused.value.code == "invalid_data" and "region" in str(refused.value), refused.value
    finally:
        for person in people:
            await person.close()


def test_publishers_are_placed_in_their_region(stack):
    asyncio.run(asyncio.wait_for(scenario(stack), 120))
