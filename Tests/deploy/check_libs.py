"""The image cannot miss a shared library: every library the binaries link
to must come from a Debian package the Dockerfile's runtime stage installs
(directly or as a dependency), or be a Swift runtime library that the build
links statically (--static-swift-stdlib, checked in the Dockerfile, with a
static archive present in the toolchain).

Inputs are the locally built binaries (same sources, same Debian release as
the image's build stage) and this machine's dpkg/apt database (Debian 12,
the runtime image's release).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from dataclasses import dataclass


@dataclass
class Dockerfile:
    runtime_packages: list[str]
    build_commands: list[str]
    runtime_stage: str


def parse_dockerfile(path: str) -> Dockerfile:
    """The packages `apt-get install` puts into the last stage, and every
    `swift build` command of the other stages."""
    with open(path) as f:
        text = f.read()
    # Join continuation lines; drop comment lines (also inside a RUN, as Docker does).
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    logical, current = [], ""
    for ln in lines:
        if ln.rstrip().endswith("\\"):
            current += ln.rstrip()[:-1] + " "
        else:
            logical.append(current + ln)
            current = ""
    stages: list[tuple[str, list[str]]] = []
    for ln in logical:
        word = ln.strip().split(" ", 1)[0].upper()
        if word == "FROM":
            stages.append((ln.strip(), []))
        elif stages and word == "RUN":
            stages[-1][1].append(ln.strip()[3:].strip())
    if len(stages) < 2:
        raise ValueError(f"{path}: expected a build stage and a runtime stage")
    runtime_from, runtime_runs = stages[-1]
    packages: list[str] = []
    for run in runtime_runs:
        for segment in re.split(r"&&|;|\|\|", run):
            words = shlex.split(segment)
            if "apt-get" in words and "install" in words:
                after = words[words.index("install") + 1:]
                packages += [w for w in after if not w.startswith("-")]
    builds = [seg.strip() for _, runs in stages[:-1] for run in runs
              for seg in re.split(r"&&|;", run) if "swift build" in seg and "--show-bin-path" not in seg]
    return Dockerfile(packages, builds, runtime_from)


def ldd(binary: str) -> list[tuple[str, str | None]]:
    """(soname, resolved path or None when 'not found') for each dependency."""
    result = subprocess.run(["ldd", binary], capture_output=True, text=True)
    if result.returncode != 0:
        if "not a dynamic executable" in (result.stdout + result.stderr):
            return []
        raise RuntimeError(f"ldd {binary} failed: {result.stderr.strip()}")
    out = []
    for line in result.stdout.splitlines():
        line = line.strip()
        if not line or line.startswith("linux-vdso") or line.startswith("linux-gate"):
            continue
        if "=>" in line:
            name, _, rest = line.partition("=>")
            rest = rest.strip()
            path = None if rest.startswith("not found") else rest.split(" (")[0].strip()
            out.append((name.strip(), path))
        else:
            path = line.split(" (")[0].strip()
            out.append((os.path.basename(path), path))
    return out


_OWNERS: dict[str, str | None] = {}


def owning_package(path: str) -> str | None:
    """The Debian package that installed `path` (merged /usr aware)."""
    real = os.path.realpath(path)
    if real not in _OWNERS:
        _OWNERS[real] = _dpkg_owner(path)
    return _OWNERS[real]


def _dpkg_owner(path: str) -> str | None:
    candidates = [path, os.path.realpath(path)]
    for p in list(candidates):
        if p.startswith(("/lib/", "/lib64/")):
            candidates.append("/usr" + p)
    for p in dict.fromkeys(candidates):
        result = subprocess.run(["dpkg", "-S", p], capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout.split(":", 1)[0].strip()
    return None


def dependency_closure(packages: list[str]) -> set[str]:
    """The packages plus everything they Depend/Pre-Depend on, recursively."""
    result = subprocess.run(
        ["apt-cache", "depends", "--recurse", "--important", "--no-recommends", "--no-suggests",
         "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", *packages],
        capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"apt-cache depends failed: {result.stderr.strip()}")
    closure = set()
    for line in result.stdout.splitlines():
        if line and not line.startswith(" ") and not line.startswith("<"):
            closure.add(line.strip())
    return closure


def toolchain_root() -> str:
    """The Swift toolchain's usr/ directory (where lib/swift/linux lives)."""
    swift = subprocess.run(["bash", "-c", "command -v swift"], capture_output=True, text=True).stdout.strip()
    if not swift:
        raise RuntimeError("swift is not on PATH")
    return os.path.dirname(os.path.dirname(os.path.realpath(swift)))


def check(binaries: list[str], dockerfile: Dockerfile, toolchain: str) -> tuple[list[str], list[str]]:
    notes: list[str] = []
    problems: list[str] = []
    if not dockerfile.runtime_packages:
        return notes, ["Dockerfile: the runtime stage installs no packages"]
    static = all("--static-swift-stdlib" in b for b in dockerfile.build_commands) and dockerfile.build_commands
    if not static:
        problems.append("Dockerfile: every `swift build` must use --static-swift-stdlib "
                        "(the runtime stage installs no Swift runtime)")
    missing_candidates = []
    for pkg in dockerfile.runtime_packages:
        policy = subprocess.run(["apt-cache", "policy", pkg], capture_output=True, text=True).stdout
        if "Candidate:" not in policy or "Candidate: (none)" in policy:
            missing_candidates.append(pkg)
    if missing_candidates:
        problems.append(f"Dockerfile: runtime packages unknown to Debian here: {missing_candidates}")
    closure = dependency_closure(dockerfile.runtime_packages)
    swift_dir = os.path.join(toolchain, "lib", "swift", "linux")
    static_dir = os.path.join(toolchain, "lib", "swift_static", "linux")

    seen: dict[str, str] = {}
    for binary in binaries:
        if not os.path.isfile(binary):
            problems.append(f"{binary}: not found (build it first)")
            continue
        for soname, path in ldd(binary):
            key = soname
            if path is None:
                problems.append(f"{binary}: {soname} not found by the dynamic loader")
                continue
            if os.path.realpath(path).startswith(os.path.realpath(swift_dir) + os.sep):
                archive = os.path.join(static_dir, re.sub(r"\.so(\..*)?$", ".a", soname))
                if not os.path.isfile(archive):
                    problems.append(f"{binary}: Swift runtime {soname} has no static archive {archive}")
                    continue
                seen.setdefault(key, f"Swift runtime -> linked statically ({os.path.basename(archive)})")
                continue
            package = owning_package(path)
            if package is None:
                problems.append(f"{binary}: {soname} ({path}) belongs to no Debian package")
                continue
            if package in dockerfile.runtime_packages:
                how = "installed by the runtime stage"
            elif package in closure:
                how = "dependency of the runtime stage's packages"
            else:
                problems.append(f"{binary}: {soname} comes from {package}, which the runtime stage does not install")
                continue
            seen.setdefault(key, f"{package} ({how})")
    for soname in sorted(seen):
        notes.append(f"{soname:40} {seen[soname]}")
    return notes, problems


def ignored_by_dockerignore(root: str, rel: str) -> bool:
    """Whether .dockerignore keeps `rel` (or a folder above it) out of the build context.

    Later lines win, `!` re-includes, as in Docker; patterns are matched with
    fnmatch against the path and each of its parent folders.
    """
    import fnmatch

    path = os.path.join(root, ".dockerignore")
    if not os.path.isfile(path):
        return False
    with open(path) as f:
        patterns = [ln.strip() for ln in f if ln.strip() and not ln.lstrip().startswith("#")]
    parts = rel.strip("/").split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        pat = pat.strip("/")
        if any(fnmatch.fnmatchcase(p, pat) or fnmatch.fnmatchcase(p, pat.replace("**/", "")) for p in prefixes):
            ignored = not negate
    return ignored


def context_problems(root: str) -> tuple[list[str], list[str]]:
    """Every target path Package.swift names, and the files the Dockerfile
    copies from the context, must survive .dockerignore."""
    with open(os.path.join(root, "Package.swift")) as f:
        manifest = f.read()
    needed = sorted(set(re.findall(r'path:\s*"([^"]+)"', manifest))) + ["Package.swift", "deploy/healthcheck.sh"]
    problems = [f".dockerignore excludes {p}, which the image build needs" for p in needed if ignored_by_dockerignore(root, p)]
    notes = [f"build context keeps all {len(needed)} paths the build needs (Package.swift targets, deploy/healthcheck.sh)"]
    return notes, problems
