"""meet-sfu links no PostgreSQL or JWT code (issue #14, "modules by concern").

SFU nodes never touch PostgreSQL nor verify tokens, so neither PostgresNIO
(with its connection pool) nor JWTKit belongs in their binary. SwiftPM links
Swift packages statically, so `ldd` cannot see them: the check reads the
target graph (`swift package describe --type json`: no target meet-sfu is
built from may depend on those products) and the built binary's symbols
(`nm`: no symbol may name those modules, which also catches a dependency
that comes in through another package).

`swift package show-dependencies` cannot answer this: it lists the whole
package's dependencies, and meet-api and meet-ws need postgres-nio and
jwt-kit.
"""

from __future__ import annotations

import json
import re
import subprocess

# Executable product → the modules it must not contain.
FORBIDDEN = {
    "meet-sfu": ("PostgresNIO", "_ConnectionPoolModule", "JWTKit"),
}


def describe(root: str) -> dict:
    """The package's targets and products, as SwiftPM resolves them."""
    out = subprocess.run(["swift", "package", "describe", "--type", "json"], cwd=root,
                         capture_output=True, text=True, check=True).stdout
    # SwiftPM may print progress lines before the JSON.
    return json.loads(out[out.index("{"):])


def graph_problems(package: dict, product: str, forbidden: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Every target `product` is built from (transitively, inside this
    package), and a problem for each dependency on a forbidden product."""
    targets = {t["name"]: t for t in package["targets"]}
    roots = next(p["targets"] for p in package["products"] if p["name"] == product)
    # Which local target pulled in which: so a problem names the path.
    parent: dict[str, str | None] = {name: None for name in roots}
    queue = list(roots)
    problems = []
    while queue:
        name = queue.pop()
        target = targets[name]
        for dependency in target.get("product_dependencies", []):
            if dependency in forbidden:
                path = [name]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])
                problems.append(f"{product} links {dependency} through " + " <- ".join(path))
        for dependency in target.get("target_dependencies", []):
            if dependency not in parent:
                parent[dependency] = name
                queue.append(dependency)
    notes = [f"{product} is built from {len(parent)} targets: " + ", ".join(sorted(parent))]
    return notes, problems


def symbol_problems(symbols: str, binary: str, forbidden: tuple[str, ...]) -> list[str]:
    """A problem for each forbidden module that `nm` output mentions.

    Swift mangles a module name as its length and spelling (`10PostgresNIO`),
    anywhere in a symbol (a conformance of another module's protocol puts it
    in the middle), so a substring search is the test.
    """
    problems = []
    for module in forbidden:
        pattern = re.compile(rf"(?<![0-9]){len(module)}{re.escape(module)}")
        hits = [line.split()[-1] for line in symbols.splitlines() if pattern.search(line)]
        if hits:
            problems.append(f"{binary} contains {len(hits)} symbols of {module}, e.g. {hits[0]}")
    return problems


def check(root: str, bin_dir: str) -> tuple[list[str], list[str]]:
    notes, problems = [], []
    package = describe(root)
    for product, forbidden in FORBIDDEN.items():
        more_notes, more_problems = graph_problems(package, product, forbidden)
        notes += more_notes
        problems += more_problems
        binary = f"{bin_dir}/{product}"
        symbols = subprocess.run(["nm", binary], capture_output=True, text=True, check=True).stdout
        found = symbol_problems(symbols, binary, forbidden)
        problems += found
        if not found:
            notes.append(f"nm {product}: no symbol of {', '.join(forbidden)} ({len(symbols.splitlines())} symbols)")
    return notes, problems
