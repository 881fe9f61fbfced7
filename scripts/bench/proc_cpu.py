#!/usr/bin/env python3
"""CPU seconds a command's processes use, by process name, read from /proc.

Runs COMMAND and samples /proc every `--interval` seconds; a process counts
when the command is among its ancestors (so other people's Chromiums on a
shared machine do not), with the utime + stime it had at its last sample
(a process's last interval before it exits is lost: at 0.25 s a few
hundredths of a second per process). The command itself counts too.
Prints CPU seconds per name (`comm`), the wall time, the average cores
each name kept busy and the load average before and after; exits with
the command's status.

Used for the web client's camera default (docs/benchmarks.md, "Chromium's
CPU at the 720p camera default"):

    MEET_BIN_DIR=$(swift build --show-bin-path) MEET_E2E_CAMERA_HEIGHT=360 \\
        scripts/bench/proc_cpu.py -- .venv/bin/python -m pytest -q Tests/e2e/test_browser_audio_slots.py
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def snapshot() -> dict[int, tuple[int, str, float]]:
    """pid → (ppid, comm, CPU seconds) for every readable process."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        # comm is in parentheses and may hold spaces; the fields after it are fixed.
        comm = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2:].split()
        table[int(entry)] = (int(fields[1]), comm, (int(fields[11]) + int(fields[12])) / TICKS)
    return table


def descends(pid: int, root: int, table: dict) -> bool:
    for _ in range(64):
        if pid == root:
            return True
        if pid not in table or pid <= 1:
            return False
        pid = table[pid][0]
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interval", type=float, default=0.25)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command")
    load_before = os.getloadavg()
    start = time.monotonic()
    child = subprocess.Popen(command)
    seen: dict[int, tuple[str, float]] = {}
    while child.poll() is None:
        table = snapshot()
        for pid, (_, comm, cpu) in table.items():
            if descends(pid, child.pid, table):
                seen[pid] = (comm, cpu)
        time.sleep(args.interval)
    wall = time.monotonic() - start
    by_name: dict[str, list[float]] = {}
    for comm, cpu in seen.values():
        by_name.setdefault(comm, []).append(cpu)
    print(f"\nwall {wall:.1f} s; load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    for comm, cpus in sorted(by_name.items(), key=lambda item: -sum(item[1])):
        if sum(cpus) >= 0.05:
            print(f"{comm:<16} {len(cpus):>4} processes {sum(cpus):8.1f} CPU s  {sum(cpus) / wall:5.2f} cores")
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
