"""Checks docker-compose.yml beyond `docker-compose config -q`.

Works on the configuration as docker-compose itself resolved it (anchors,
merge keys and ${VAR:-default} interpolation already applied), so what is
checked is what a container would get.
"""

from __future__ import annotations

import re

import config_doc

_INTERPOLATION = re.compile(r"\$\{?(MEET_[A-Z0-9_]+)")
MEET_IMAGE_COMMANDS = {"meet-api", "meet-ws", "meet-sfu", "meet-recorder"}


def service_binary(service: dict) -> str | None:
    """meet-api/meet-ws/meet-sfu/meet-recorder when the service runs one of ours, else None."""
    command = service.get("command")
    if isinstance(command, str):
        command = command.split()
    if command and command[0] in MEET_IMAGE_COMMANDS:
        return command[0]
    return None


def check(resolved: dict, raw_text: str, table: dict[str, set[str]], code: set[str]) -> tuple[list[str], list[str]]:
    """Returns (notes, problems) for a resolved compose configuration."""
    notes: list[str] = []
    problems: list[str] = []
    services = resolved.get("services", {})
    for name, service in sorted(services.items()):
        env = service.get("environment", {}) or {}
        if isinstance(env, list):
            env = dict(item.partition("=")[::2] for item in env)
        binary = service_binary(service)
        if binary is None:
            stray = sorted(v for v in env if v.startswith("MEET_"))
            if stray:
                problems.append(f"compose service {name} (not a Meet binary) sets {stray}")
            continue
        where = f"compose service {name} ({binary})"
        origins = {k: "environment" for k in env}
        problems += config_doc.problems(origins, binary, table, code, where)
        foreign = sorted(k for k in env if not k.startswith("MEET_"))
        if foreign:
            problems.append(f"{where}: sets non-MEET variables {foreign}; the services read only MEET_*")
        if "healthcheck" not in service:
            problems.append(f"{where}: no healthcheck")
        notes.append(f"{name}: {binary}, {len(env)} MEET_* variables, all documented for {binary}")
        problems += _check_depends(name, service, services)

    problems += _check_topology(services)

    # ${MEET_...} used for interpolation must also be real variable names, so
    # that `MEET_X=... docker compose up` means what it says.
    for used in sorted(set(_INTERPOLATION.findall(raw_text))):
        if used not in table:
            problems.append(f"docker-compose.yml interpolates ${{{used}}}, which docs/configuration.md does not document")
    return notes, problems


def _check_depends(name: str, service: dict, services: dict) -> list[str]:
    """Each dependency must wait for health, and the dependency must have a health check."""
    out = []
    depends = service.get("depends_on", {}) or {}
    if isinstance(depends, list):
        return [f"compose service {name}: depends_on without conditions {depends}"]
    for other, spec in depends.items():
        if (spec or {}).get("condition") != "service_healthy":
            out.append(f"compose service {name}: depends_on {other} does not wait for service_healthy")
        if "healthcheck" not in services.get(other, {}):
            out.append(f"compose service {name}: depends on {other}, which has no healthcheck")
    return out


def _check_topology(services: dict) -> list[str]:
    """Two meet-ws replicas and two meet-sfu nodes, each node's UDP port
    published one-to-one (its ICE candidates announce that port)."""
    out = []
    by_binary: dict[str, list[str]] = {}
    for name, service in services.items():
        binary = service_binary(service)
        if binary:
            by_binary.setdefault(binary, []).append(name)
    for binary, least in (("meet-api", 1), ("meet-ws", 2), ("meet-sfu", 2), ("meet-recorder", 1)):
        if len(by_binary.get(binary, [])) < least:
            out.append(f"compose: expected at least {least} {binary} service(s), found {by_binary.get(binary, [])}")
    seen_ports: dict[str, str] = {}
    seen_ids: dict[str, str] = {}
    for name in by_binary.get("meet-recorder", []):
        directory = str((services[name].get("environment", {}) or {}).get("MEET_RECORDING_DIR", ""))
        mounts = [v.get("target") if isinstance(v, dict) else str(v).split(":")[1]
                  for v in services[name].get("volumes", []) or []]
        if not directory.startswith("/") or directory not in mounts:
            out.append(f"compose: {name} must keep MEET_RECORDING_DIR ({directory!r}) on a volume (mounts: {mounts})")
    for name in by_binary.get("meet-sfu", []):
        env = services[name].get("environment", {}) or {}
        port = str(env.get("MEET_SFU_UDP_PORT", "10000"))
        node = str(env.get("MEET_NODE_ID", ""))
        if port in seen_ports:
            out.append(f"compose: {name} and {seen_ports[port]} share UDP port {port}")
        seen_ports[port] = name
        if not node or node in seen_ids:
            out.append(f"compose: {name} needs its own MEET_NODE_ID (got {node!r})")
        seen_ids[node] = name
        published = [
            p for p in services[name].get("ports", []) or []
            if isinstance(p, dict) and p.get("protocol") == "udp"
            and str(p.get("target")) == port and str(p.get("published")) == port
        ]
        if not published:
            out.append(f"compose: {name} must publish UDP {port}:{port} (MEET_SFU_UDP_PORT)")
    return out
