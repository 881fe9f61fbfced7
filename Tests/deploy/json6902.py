"""JSON Patch (RFC 6902) for kustomize_lite's `patches`: add, replace,
remove and test, with JSON Pointers (RFC 6901). Enough for kustomize's
JSON 6902 patches; `move` and `copy` are refused rather than guessed."""

from __future__ import annotations

import copy
from typing import Any


class PatchError(Exception):
    """A patch that does not apply (with where it was applied)."""


class UnsupportedOperation(PatchError):
    pass


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"JSON pointer {path!r} must start with '/'")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc: Any, parts: list[str], where: str) -> Any:
    for p in parts:
        if isinstance(doc, list):
            doc = doc[_index(p, doc, where, allow_end=False)]
        elif isinstance(doc, dict) and p in doc:
            doc = doc[p]
        else:
            raise PatchError(f"{where}: path element {p!r} not found")
    return doc


def _index(p: str, seq: list, where: str, allow_end: bool) -> int:
    if p == "-" and allow_end:
        return len(seq)
    if not p.isdigit():
        raise PatchError(f"{where}: {p!r} is not a list index")
    i = int(p)
    if i > len(seq) or (i == len(seq) and not allow_end):
        raise PatchError(f"{where}: index {i} out of range")
    return i


def apply(doc: dict, op: dict, where: str) -> None:
    """Applies one operation to `doc` in place."""
    kind = op.get("op")
    parts = _pointer(op.get("path", ""))
    if not parts:
        raise PatchError(f"{where}: patching the whole document is not supported")
    parent = _walk(doc, parts[:-1], where)
    last = parts[-1]
    if kind == "test":
        if _walk(doc, parts, where) != op.get("value"):
            raise PatchError(f"{where}: test failed at {op['path']}")
        return
    if kind in ("add", "replace"):
        value = copy.deepcopy(op["value"])
        if isinstance(parent, list):
            i = _index(last, parent, where, allow_end=(kind == "add"))
            if kind == "add":
                parent.insert(i, value)
            else:
                parent[i] = value
        else:
            if kind == "replace" and last not in parent:
                raise PatchError(f"{where}: replace of missing {op['path']}")
            parent[last] = value
    elif kind == "remove":
        if isinstance(parent, list):
            del parent[_index(last, parent, where, allow_end=False)]
        elif last in parent:
            del parent[last]
        else:
            raise PatchError(f"{where}: remove of missing {op['path']}")
    else:
        raise UnsupportedOperation(f"{where}: JSON patch op {kind!r} not supported")
