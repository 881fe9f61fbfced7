"""Issue #6, measured: an SFU node drains or dies, a meet-ws replica dies, and
the meeting goes on (stack as processes: meet-api, two meet-ws, three
meet-sfu; aiortc clients that follow the documented protocol).

Each test prints the largest gap between two video frames per subscriber and
publisher around the event (the figures to watch are in docs/benchmarks.md,
from scripts/bench-migration; nothing here asserts a duration).
"""
from __future__ import annotations

import asyncio

import pytest
from meet_e2e.fixtures import stack_with_logs
from meet_e2e.migration import node_leaves, replica_dies, summary

DRAIN_TIMEOUT = 20


@pytest.fixture
def stack(tmp_path, request):
    yield from stack_with_logs(tmp_path, request, sfu_nodes=3, node_env={"MEET_SFU_DRAIN_TIMEOUT": str(DRAIN_TIMEOUT)})


def test_drained_node_hands_its_meeting_over_and_exits(stack):
    result = asyncio.run(node_leaves(stack, stack.nodes[0], "drain", drain_timeout=DRAIN_TIMEOUT))
    print(summary(result))
    assert result["node_exit_seconds"] < DRAIN_TIMEOUT
    assert set(result["migrations"]["A"]) == {"node_draining"}, result["migrations"]
    assert set(result["migrations"]["C"]) == {"publisher_moved"}, result["migrations"]
    assert not result["errors"], result["errors"]


def test_drain_per_node_connections(stack):
    """The same drain with subscribers on one connection per node: each publisher moves on its own."""
    result = asyncio.run(node_leaves(stack, stack.nodes[0], "drain", drain_timeout=DRAIN_TIMEOUT, per_node=True))
    print(summary(result))
    assert result["node_exit_seconds"] < DRAIN_TIMEOUT
    assert sorted(result["migrations"]["C"]) == ["publisher_moved", "publisher_moved"], result["migrations"]
    assert not result["errors"], result["errors"]


def test_crash_per_node_connections(stack):
    result = asyncio.run(node_leaves(stack, stack.nodes[0], "kill", per_node=True))
    print(summary(result))
    assert set(result["migrations"]["A"]) == {"node_lost"}, result["migrations"]
    assert sorted(result["migrations"]["D"]) == ["publisher_moved", "publisher_moved"], result["migrations"]
    assert not result["errors"], result["errors"]


def test_killed_node_meeting_recovers_on_other_nodes(stack):
    result = asyncio.run(node_leaves(stack, stack.nodes[0], "kill"))
    print(summary(result))
    assert set(result["migrations"]["A"]) == {"node_lost"}, result["migrations"]
    assert set(result["migrations"]["D"]) == {"publisher_moved"}, result["migrations"]


def test_killed_replica_clients_resume_and_media_never_stops(stack):
    result = asyncio.run(replica_dies(stack))
    print(summary(result) + ", resumed after (s): "
          + ", ".join(f"{k} {v:.2f}" for k, v in result["resume_seconds"].items()))
