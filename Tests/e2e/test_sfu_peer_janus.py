"""The peer comparison's smoke run: meet-sfu-bench drives Janus (Debian's
`janus` package, VideoRoom over its HTTP API) with one publisher and two
subscribers at media rate for two seconds, and packets arrive at both
subscribers through Janus. scripts/test and scripts/bench-sfu-peer install
Janus (`apt-get install janus`); without it this test fails, it is never
skipped.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess

from meet_e2e.env import binary, free_port


def test_janus_forwards_to_every_subscriber():
    janus = shutil.which("janus")
    assert janus is not None, "janus is not installed (apt-get install janus; scripts/test installs it)"
    # Its own process group, so a Janus the bench leaves behind (if the bench
    # dies) is stopped with it and never outlives the test.
    process = subprocess.Popen(
        [str(binary("meet-sfu-bench")), "--sockets", "--target", "janus", "--janus-binary", janus,
         "--janus-port", str(free_port(socket.SOCK_STREAM)), "--subscribers", "2",
         "--media-rate", "--seconds", "2", "--frame-packets", "3", "--warm-up", "30"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=120)
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line and line[0].isdigit()]
    assert len(rows) == 1, result.stdout
    subscribers, sent, forwarded = (int(value) for value in rows[0][:3])
    least, most = (int(value) for value in rows[0][-1].split("/"))
    assert subscribers == 2 and sent > 0, result.stdout
    # Every packet of the measured run reached both subscribers but a few (loopback, no loss expected).
    assert forwarded >= 2 * sent * 0.9, result.stdout
    assert least > 0 and most > 0, result.stdout
