"""The camera's three simulcast layers as Chromium sends them from a 1280×720 capture, and the check
both browser simulcast tests make of what it sent."""

from __future__ import annotations

# RID -> (width, height) of the web client's camera layers at 1280×720 (Web/simulcast.js: 1/4, 1/2, 1/1).
CAMERA_LAYERS = {"q": (320, 180), "h": (640, 360), "f": (1280, 720)}


def check_layer_sizes(largest: dict, limits: set | list) -> None:
    """`largest` (RID -> the largest (width, height) seen) is `CAMERA_LAYERS` exactly unless Chromium
    reported a `cpu` quality limitation (`limits`); after one (its CPU adaptation may scale all three
    alike) the top layer is at most 1280×720 and 16:9, with h at 1/2 and q at 1/4 of it."""
    if "cpu" not in limits:
        assert largest == CAMERA_LAYERS, f"layer sizes {largest} (no cpu limitation seen)"
        return
    width, height = largest.get("f", (0, 0))
    assert 0 < height <= 720 and abs(width * 9 - height * 16) <= 16, f"top layer {largest} (cpu-limited)"
    for rid, divisor in (("h", 2), ("q", 4)):
        w, h = largest.get(rid, (0, 0))
        assert abs(w * divisor - width) <= 2 * divisor and abs(h * divisor - height) <= 2 * divisor, \
            f"{rid} not 1/{divisor} of f: {largest} (cpu-limited)"
