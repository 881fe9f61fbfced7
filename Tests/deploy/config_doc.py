"""Which MEET_* variables each service reads, according to the one table in
docs/configuration.md and to the Swift sources.

The deployment files may only set variables that the service reading them
documents (and that some Swift source actually reads): a typo or a stale
name would otherwise be ignored silently at run time.
"""

from __future__ import annotations

import os
import re

SERVICES = ("meet-api", "meet-ws", "meet-sfu", "meet-recorder")

_ROW = re.compile(r"^\|\s*`(?P<var>MEET_[A-Z0-9_]+)`(?P<qualifier>[^|]*)\|(?P<default>[^|]*)\|(?P<service>[^|]*)\|(?P<meaning>.*)\|\s*$")
_NAME = re.compile(r"`(MEET_[A-Z0-9_]+)`")
_SWIFT_LITERAL = re.compile(r'"(MEET_[A-Z0-9_]+)"')


def documented(doc_path: str) -> dict[str, set[str]]:
    """Variable -> services that read it.

    A row's Service column names the services (`all` = every service). A row
    that belongs to one service may also name other variables that service
    reads in its Meaning column (e.g. meet-sfu's `MEET_HTTP_PORT` row says it
    reads `MEET_ENV`, `MEET_LOG_LEVEL`, ...); those count for that service too.
    """
    table: dict[str, set[str]] = {}
    with open(doc_path) as f:
        for line in f:
            m = _ROW.match(line)
            if not m:
                continue
            column = m.group("service").strip()
            services = set(SERVICES) if column == "all" else {s.strip() for s in column.split(",")}
            unknown = services - set(SERVICES)
            if unknown:
                raise ValueError(f"{doc_path}: row {m.group('var')} names unknown services {sorted(unknown)}")
            table.setdefault(m.group("var"), set()).update(services)
            if column != "all":
                for also in _NAME.findall(m.group("meaning")):
                    table.setdefault(also, set()).update(services)
    if not table:
        raise ValueError(f"{doc_path}: no MEET_* table rows found")
    return table


def read_by_code(root: str) -> set[str]:
    """Every "MEET_..." string literal in the Swift sources of the services and packages."""
    names: set[str] = set()
    for top in ("Services", "Packages"):
        for directory, _, files in os.walk(os.path.join(root, top)):
            for name in files:
                if name.endswith(".swift"):
                    with open(os.path.join(directory, name), errors="replace") as f:
                        names.update(_SWIFT_LITERAL.findall(f.read()))
    return names


def problems(variables: dict[str, str], service: str, table: dict[str, set[str]], code: set[str], where: str) -> list[str]:
    """What is wrong with `variables` (name -> where it is set) for `service`."""
    out = []
    for name in sorted(variables):
        if not name.startswith("MEET_"):
            continue
        if name not in table:
            out.append(f"{where}: {name} ({variables[name]}) is not documented in docs/configuration.md")
        elif service not in table[name]:
            out.append(f"{where}: {name} ({variables[name]}) is documented for {sorted(table[name])}, not {service}")
        if name not in code:
            out.append(f"{where}: {name} ({variables[name]}) is read by no Swift source")
    return out
