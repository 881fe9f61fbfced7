"""Static checks of the deployment files (run by scripts/check-deploy).

    python Tests/deploy/check_deploy.py --root . --bin-dir .build/debug \
        --compose .venv/compose-1.29/bin/docker-compose

Sections: compose (docker-compose.yml parses, and its services get only
documented MEET_* variables), proxy (the Caddyfile is valid), k8s (the
kustomizations render, validate against the Kubernetes schemas with
--strict, and give containers only documented variables), libs (the image's
runtime stage provides every shared library the binaries link to), links
(meet-sfu links no PostgresNIO or JWTKit: its target graph and its
symbols). Prints
what it checked; exits 1 listing every problem when any section fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import check_autoscaling  # noqa: E402
import check_compose  # noqa: E402
import check_k8s  # noqa: E402
import check_libs  # noqa: E402
import check_links  # noqa: E402
import config_doc  # noqa: E402
import kustomize_lite  # noqa: E402

# Oldest Kubernetes minor still in common support, and the newest schema bundled.
K8S_VERSIONS = ("1.29.0", "1.37.0")
KUSTOMIZATIONS = (
    ("production", "k8s"), ("dev", "k8s/overlays/dev"), ("turn", "k8s/overlays/turn"),
    ("daemonset", "k8s/overlays/daemonset"), ("region eu-west", "k8s/overlays/region-eu-west"),
    ("region us-east", "k8s/overlays/region-us-east"),
)


class Report:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.sections: list[tuple[str, bool, float]] = []

    def section(self, title: str):
        report = self

        class _Section:
            def __enter__(self):
                self.start = time.monotonic()
                self.before = len(report.problems)
                print(f"\n== {title}", flush=True)
                return self

            def __exit__(self, kind, value, tb):
                if value is not None and not isinstance(value, SystemExit):
                    report.fail(f"{title}: {type(value).__name__}: {value}")
                ok = len(report.problems) == self.before
                report.sections.append((title, ok, time.monotonic() - self.start))
                print(f"   {'ok' if ok else 'FAILED'} ({time.monotonic() - self.start:.1f} s)", flush=True)
                return True

        return _Section()

    def note(self, text: str) -> None:
        print(f"   {text}", flush=True)

    def fail(self, text: str) -> None:
        self.problems.append(text)
        print(f"   FAIL: {text}", flush=True)


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


def compose_section(r: Report, root: str, compose_bin: str, table, code) -> None:
    with r.section("docker-compose.yml: parses and sets only documented MEET_* variables"):
        path = os.path.join(root, "docker-compose.yml")
        for extra in ([], ["--profile", "turn"]):
            p = run([compose_bin, "-f", path, *extra, "config", "-q"], cwd=root)
            label = " ".join(["docker-compose config -q", *extra])
            if p.returncode != 0:
                r.fail(f"{label}: {p.stderr.strip() or p.stdout.strip()}")
            else:
                r.note(f"{label}: ok")
        p = run([compose_bin, "-f", path, "config"], cwd=root)
        if p.returncode != 0:
            return
        with open(path) as f:
            raw = f.read()
        notes, problems = check_compose.check(yaml.safe_load(p.stdout), raw, table, code)
        for n in notes:
            r.note(n)
        for prob in problems:
            r.fail(prob)


def proxy_section(r: Report, root: str) -> None:
    with r.section("deploy/caddy/Caddyfile: the WebSocket entry point is a valid Caddy config"):
        caddy = shutil.which("caddy")
        if caddy is None:
            r.fail("caddy is not installed (scripts/check-deploy installs the Debian package)")
            return
        with tempfile.TemporaryDirectory() as home:
            p = run([caddy, "validate", "--adapter", "caddyfile", "--config",
                     os.path.join(root, "deploy/caddy/Caddyfile")], env={**os.environ, "HOME": home, "XDG_DATA_HOME": home, "XDG_CONFIG_HOME": home})
        if p.returncode != 0:
            r.fail(f"caddy validate: {(p.stderr or p.stdout).strip().splitlines()[-1]}")
        else:
            r.note(f"caddy validate ({run([caddy, 'version']).stdout.strip()}): Valid configuration")


def k8s_section(r: Report, root: str, validator: str, table, code, out_dir: str) -> None:
    with r.section("k8s/: kustomize renders, objects validate (--strict), MEET_* variables documented"):
        kubectl = shutil.which("kubectl")
        have_kustomize = kubectl is not None and run([kubectl, "kustomize", "--help"]).returncode == 0
        exported = check_autoscaling.exported_sfu_metrics(root)
        for label, rel in KUSTOMIZATIONS:
            objects = kustomize_lite.render(os.path.join(root, rel))
            rendered = os.path.join(out_dir, f"{label}.yaml")
            with open(rendered, "w") as f:
                yaml.safe_dump_all(objects, f, sort_keys=True)
            kinds = sorted({o["kind"] for o in objects})
            r.note(f"{rel}: {len(objects)} objects rendered by kustomize_lite ({', '.join(kinds)})")
            if have_kustomize:
                _compare_with_kubectl(r, kubectl, root, rel, objects)
            for version in K8S_VERSIONS:
                p = run([validator, "--strict", "--quiet", "-k", version, rendered])
                if p.returncode != 0:
                    for line in (p.stdout + p.stderr).strip().splitlines()[-20:]:
                        r.fail(f"{rel} (Kubernetes {version}): {line}")
                else:
                    r.note(f"{rel}: kubernetes-validate --strict against {version}: all {len(objects)} valid")
            notes, problems = check_k8s.check(objects, rel, table, code)
            more_notes, more_problems = check_autoscaling.check(objects, rel, exported)
            notes += more_notes
            problems += more_problems
            if label == "dev":
                more_notes, more_problems = check_k8s.check_network_policies(objects, rel)
                notes += more_notes
                problems += more_problems
            for n in notes:
                r.note(n)
            for prob in problems:
                r.fail(prob)
        if not have_kustomize:
            r.note("no kubectl with kustomize here: rendered by kustomize_lite only")
        template = os.path.join(root, "k8s/secret.example.yaml")
        p = run([validator, "--strict", "--quiet", "-k", K8S_VERSIONS[-1], template])
        if p.returncode != 0:
            r.fail(f"k8s/secret.example.yaml: {(p.stdout + p.stderr).strip()}")
        else:
            with open(template) as f:
                secret = yaml.safe_load(f)
            values = secret.get("stringData", {})
            if not all("CHANGE-ME" in v for v in values.values()):
                r.fail("k8s/secret.example.yaml must hold only CHANGE-ME placeholders")
            problems = config_doc.problems({k: "Secret template" for k in values}, "meet-api", table, code, "k8s/secret.example.yaml")
            for prob in problems:
                r.fail(prob)
            if p.returncode == 0 and not problems:
                r.note(f"k8s/secret.example.yaml: valid, placeholders only ({', '.join(sorted(values))})")


def _compare_with_kubectl(r: Report, kubectl: str, root: str, rel: str, objects: list[dict]) -> None:
    p = run([kubectl, "kustomize", os.path.join(root, rel)])
    if p.returncode != 0:
        r.fail(f"kubectl kustomize {rel}: {p.stderr.strip()}")
        return
    real = [o for o in yaml.safe_load_all(p.stdout) if o]
    key = lambda o: (o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"])  # noqa: E731
    mine = {key(o): o for o in objects}
    theirs = {key(o): o for o in real}
    if mine == theirs:
        version = run([kubectl, "version", "--client"]).stdout.strip().replace("\n", ", ")
        r.note(f"{rel}: identical to `kubectl kustomize` ({version})")
        return
    for k in sorted(set(mine) ^ set(theirs), key=str):
        r.fail(f"{rel}: {k} only in {'kustomize_lite' if k in mine else 'kubectl kustomize'}")
    for k in sorted(set(mine) & set(theirs), key=str):
        if mine[k] != theirs[k]:
            r.fail(f"{rel}: {k} differs between kustomize_lite and kubectl kustomize")


def libs_section(r: Report, root: str, bin_dir: str) -> None:
    with r.section("Dockerfile: the runtime stage provides every shared library the binaries link to"):
        dockerfile = check_libs.parse_dockerfile(os.path.join(root, "Dockerfile"))
        r.note(f"runtime stage ({dockerfile.runtime_stage}) installs: {' '.join(dockerfile.runtime_packages)}")
        r.note("Swift runtime: linked statically; build commands: " + "; ".join(dockerfile.build_commands))
        toolchain = check_libs.toolchain_root()
        binaries = [os.path.join(bin_dir, b) for b in ("meet-api", "meet-ws", "meet-sfu")]
        binaries.append(os.path.join(toolchain, "libexec/swift/linux/swift-backtrace-static"))
        # Other work may be relinking a binary right now: wait briefly for it.
        for _ in range(30):
            if all(os.path.isfile(b) for b in binaries):
                break
            time.sleep(2)
        r.note("ldd on: " + ", ".join(os.path.relpath(b, root) if b.startswith(root) else b for b in binaries))
        notes, problems = check_libs.check(binaries, dockerfile, toolchain)
        more_notes, more_problems = check_libs.context_problems(root)
        notes, problems = more_notes + notes, more_problems + problems
        for n in notes:
            r.note(n)
        for prob in problems:
            r.fail(prob)


def links_section(r: Report, root: str, bin_dir: str) -> None:
    with r.section("meet-sfu links no PostgresNIO or JWTKit (target graph and nm)"):
        notes, problems = check_links.check(root, bin_dir)
        for n in notes:
            r.note(n)
        for prob in problems:
            r.fail(prob)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=".")
    parser.add_argument("--bin-dir", required=True, help="where meet-api, meet-ws, meet-sfu were built")
    parser.add_argument("--compose", required=True, help="the docker-compose executable")
    parser.add_argument("--validator", default=shutil.which("kubernetes-validate") or "kubernetes-validate")
    parser.add_argument("--out", help="keep the rendered manifests in this directory")
    args = parser.parse_args()
    root = os.path.abspath(args.root)

    table = config_doc.documented(os.path.join(root, "docs/configuration.md"))
    code = config_doc.read_by_code(root)
    r = Report()
    out_dir = args.out or tempfile.mkdtemp(prefix="meet-deploy-")
    os.makedirs(out_dir, exist_ok=True)
    try:
        compose_section(r, root, args.compose, table, code)
        proxy_section(r, root)
        k8s_section(r, root, args.validator, table, code, out_dir)
        libs_section(r, root, os.path.abspath(args.bin_dir))
        links_section(r, root, os.path.abspath(args.bin_dir))
    finally:
        if not args.out:
            shutil.rmtree(out_dir, ignore_errors=True)

    print("\n== summary")
    for title, ok, seconds in r.sections:
        print(f"   {'ok    ' if ok else 'FAILED'} {title} ({seconds:.1f} s)")
    if r.problems:
        print(f"\n{len(r.problems)} problem(s):")
        for prob in r.problems:
            print(f"  - {prob}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
