"""meet-ws memory under a client that writes as fast as it can and never
reads its replies (issue #13 item 5).

    scripts/bench-ws-flood [--seconds S] [--kind chat|ping] [--body N]   (starts PostgreSQL and Redis itself)
    MEET_BIN_DIR=/path/to/binaries scripts/bench-ws-flood    (another build, e.g. the one before)

One meet-ws replica (no SFU node). A participant joins over a raw socket,
then writes `chat` frames (`--body` characters each) without reading,
until meet-ws closes the socket, `--seconds` pass, or meet-ws has grown by
`--max-growth-mb`. meet-ws's RSS (VmRSS) is sampled every 50 ms. Printed: the
RSS before, the peak, the megabytes the client managed to write, and
whether and when meet-ws closed the socket. Not a test: nothing is judged
(Tests/e2e/test_ws_limits.py asserts the bound).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

# The support code of the end-to-end tests (Tests/e2e/meet_e2e).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Tests" / "e2e"))
from meet_e2e import ws_raw as raw  # noqa: E402
from meet_e2e.stack import Stack  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--body", type=int, default=3000)
    parser.add_argument("--kind", choices=["chat", "ping"], default="chat")
    parser.add_argument("--max-growth-mb", type=float, default=2000,
                        help="stop flooding once meet-ws has grown this much (spares the machine)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp), ws_replicas=1, sfu_nodes=0)
        try:
            port, pid = stack.replicas[0].port, stack.replicas[0].process.pid
            owner = stack.rest.register("flooder")
            code = stack.rest.create_meeting(owner)
            sock = raw.joined(port, stack.rest.join(code, owner)["joinToken"], receive_buffer=16384)
            time.sleep(1)
            baseline = raw.rss_bytes(pid)
            with raw.RSSSampler(pid) as rss:
                sent, closed_after = raw.flood(sock, seconds=args.seconds, body_chars=args.body, kind=args.kind,
                                               give_up=lambda: rss.peak - baseline > args.max_growth_mb * 1e6)
            after = raw.rss_bytes(pid)
            what = "pings" if args.kind == "ping" else f"{args.body}-character chats"
            print(f"flood of {what} for up to {args.seconds:.0f} s, never reading:")
            print(f"  written by the client: {sent / 1e6:.0f} MB")
            print(f"  meet-ws RSS: before {baseline / 1e6:.0f} MB, peak {rss.peak / 1e6:.0f} MB "
                  f"(+{(rss.peak - baseline) / 1e6:.0f} MB), after {after / 1e6:.0f} MB")
            print("  socket closed by meet-ws: " + (f"after {closed_after:.1f} s" if closed_after is not None else "no"))
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
