"""What meet-sfu's HPA (k8s/sfu/deployment/hpa.yaml) decides on load series,
computed with the documented rule (hpa_model.py): rising load adds one pod
at a time, falling load removes one only after the scale-down window, and
load that wobbles within the tolerance changes nothing."""

from __future__ import annotations

import os

import yaml

import hpa_model

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
STEP = hpa_model.SYNC_PERIOD_SECONDS


def manifest_hpa() -> hpa_model.HPA:
    with open(os.path.join(ROOT, "k8s/sfu/deployment/hpa.yaml")) as f:
        (hpa,) = [d for d in yaml.safe_load_all(f) if d and d["kind"] == "HorizontalPodAutoscaler"]
    return hpa_model.HPA.from_manifest(hpa)


def series(levels: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """(seconds, total per-core load of the deployment in units of the
    target) held from each time on, sampled every sync period for 40 minutes."""
    out = []
    for i in range(0, 40 * 60 // STEP):
        t = i * STEP
        level = [value for start, value in levels if start <= t][-1]
        out.append((t, level))
    return out


def test_the_manifest_is_what_the_model_reads():
    hpa = manifest_hpa()
    assert (hpa.min_replicas, hpa.max_replicas) == (2, 20)
    assert hpa.up.policies == [(1, 60)] and hpa.up.window == 0
    assert hpa.down.policies == [(1, 300)] and hpa.down.window == 600


def test_rising_load_adds_one_pod_at_a_time():
    hpa = manifest_hpa()
    # 3 pods at the target, then the load jumps to what 6 pods can carry.
    steps = hpa_model.replay(hpa, [(t, load * hpa.target) for t, load in series([(0, 3.0), (60, 6.0)])], start=3)
    counts = [r for _, r in steps]
    assert counts[:4] == [3, 3, 3, 3]
    assert counts[4] == 4, "the first sync after the jump adds one pod"
    changes = [(t, r) for (t, r), (_, before) in zip(steps[1:], steps) if r != before]
    assert all(b - a == 1 for (_, a), (_, b) in zip([(0, 3)] + changes, changes)), "never more than +1 at once"
    assert all(t2 - t1 >= 60 for (t1, _), (t2, _) in zip(changes, changes[1:])), "at most one pod a minute"
    assert counts[-1] == 6


def test_falling_load_removes_one_pod_only_after_the_window():
    hpa = manifest_hpa()
    # 4 pods busy, then at t = 300 s the load falls to what 2 pods carry.
    steps = hpa_model.replay(hpa, [(t, load * hpa.target) for t, load in series([(0, 4.0), (300, 2.0)])], start=4)
    first_drop = next(t for t, r in steps if r < 4)
    last_high = 300 - STEP  # the last sync that still saw 4 pods' worth
    assert first_drop - last_high >= hpa.down.window, f"scaled in at {first_drop} s, inside the {hpa.down.window} s window"
    assert dict(steps)[first_drop] == 3, "one pod at a time"
    second_drop = next(t for t, r in steps if r < 3)
    assert second_drop - first_drop >= 300, "the next one a policy period later"
    assert steps[-1][1] == 2


def test_a_short_dip_removes_nothing_and_wobble_within_tolerance_changes_nothing():
    hpa = manifest_hpa()
    dip = hpa_model.replay(
        hpa, [(t, load * hpa.target) for t, load in series([(0, 4.0), (300, 1.0), (300 + 540, 4.0)])], start=4)
    assert {r for _, r in dip} == {4}, "a 9-minute dip is inside the 10-minute window"
    hpa = manifest_hpa()
    wobble = [(t, (3.0 + (0.25 if (t // STEP) % 2 else -0.25)) * hpa.target) for t, _ in series([(0, 0)])]
    assert {r for _, r in hpa_model.replay(hpa, wobble, start=3)} == {3}


def test_never_below_the_minimum_or_above_the_maximum():
    hpa = manifest_hpa()
    idle = hpa_model.replay(hpa, [(t, 0.0) for t, _ in series([(0, 0)])], start=3)
    assert min(r for _, r in idle) == 2
    hpa = manifest_hpa()
    flood = hpa_model.replay(hpa, [(t, 100 * hpa.target) for t, _ in series([(0, 0)])], start=19)
    assert max(r for _, r in flood) == 20
