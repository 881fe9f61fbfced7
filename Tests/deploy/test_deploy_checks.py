"""Tests of the deployment checkers themselves: each must catch the mistake
it exists for, and kustomize_lite must render the way kustomize does.

Run by scripts/check-deploy: `python -m pytest -q Tests/deploy`.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import check_autoscaling  # noqa: E402
import check_compose  # noqa: E402
import check_k8s  # noqa: E402
import check_libs  # noqa: E402
import check_links  # noqa: E402
import config_doc  # noqa: E402
import kustomize_lite  # noqa: E402

TABLE = config_doc.documented(os.path.join(ROOT, "docs/configuration.md"))
CODE = config_doc.read_by_code(ROOT)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))


# --- kustomize_lite -----------------------------------------------------------------

def test_hash_suffix_matches_kustomize():
    # Values from `kubectl kustomize` (kustomize 5.5.0) for the same objects.
    cm = {"kind": "ConfigMap", "metadata": {"name": "meet-common-config"},
          "data": {"MEET_ENV": "production", "MEET_HTTP_HOST": "0.0.0.0", "MEET_LOG_FORMAT": "json", "MEET_LOG_LEVEL": "info"}}
    assert kustomize_lite._hash(cm) == "7f8fb89cc6"
    secret = {"kind": "Secret", "type": "Opaque", "metadata": {"name": "postgres-credentials"},
              "data": {k: kustomize_lite._b64(v) for k, v in
                       {"POSTGRES_USER": "meet", "POSTGRES_PASSWORD": "meet-dev-password", "POSTGRES_DB": "meet"}.items()}}
    assert kustomize_lite._hash(secret) == "7c5t495275"


def test_long_secret_values_wrap_like_kustomize():
    value = kustomize_lite._b64("x" * 100)
    lines = value.split("\n")
    assert value.endswith("\n") and len(lines[0]) == 70
    assert kustomize_lite._b64("short") == "c2hvcnQ="


def test_generated_names_are_rewritten_in_pod_specs(tmp_path):
    write(tmp_path / "kustomization.yaml", """
        resources: [app.yaml]
        namespace: demo
        configMapGenerator:
          - name: settings
            literals: [MEET_ENV=development]
        secretGenerator:
          - name: keys
            literals: [MEET_JWT_SECRET=DEVELOPMENT-0123456789012345678901234567]
        images:
          - name: meet
            newName: registry.example/meet
            newTag: "1.2"
    """)
    write(tmp_path / "app.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: app}
        spec:
          selector: {matchLabels: {app: x}}
          template:
            metadata: {labels: {app: x}}
            spec:
              containers:
                - name: c
                  image: meet
                  envFrom: [{configMapRef: {name: settings}}]
                  env:
                    - name: MEET_JWT_SECRET
                      valueFrom: {secretKeyRef: {name: keys, key: MEET_JWT_SECRET}}
    """)
    objects = {o["kind"]: o for o in kustomize_lite.render(str(tmp_path))}
    cm_name = objects["ConfigMap"]["metadata"]["name"]
    secret_name = objects["Secret"]["metadata"]["name"]
    assert cm_name.startswith("settings-") and secret_name.startswith("keys-")
    c = objects["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert c["envFrom"][0]["configMapRef"]["name"] == cm_name
    assert c["env"][0]["valueFrom"]["secretKeyRef"]["name"] == secret_name
    assert c["image"] == "registry.example/meet:1.2"
    assert all(o["metadata"]["namespace"] == "demo" for o in objects.values())


def test_json_patches_and_regex_targets(tmp_path):
    write(tmp_path / "kustomization.yaml", """
        resources: [svc.yaml]
        patches:
          - target: {kind: Service, name: "a|b"}
            patch: |-
              - op: replace
                path: /spec/ports/0/port
                value: 81
              - op: add
                path: /metadata/labels
                value: {patched: "yes"}
    """)
    write(tmp_path / "svc.yaml", """
        apiVersion: v1
        kind: Service
        metadata: {name: a}
        spec: {ports: [{port: 80}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: c}
        spec: {ports: [{port: 80}]}
    """)
    by_name = {o["metadata"]["name"]: o for o in kustomize_lite.render(str(tmp_path))}
    assert by_name["a"]["spec"]["ports"][0]["port"] == 81 and by_name["a"]["metadata"]["labels"] == {"patched": "yes"}
    assert by_name["c"]["spec"]["ports"][0]["port"] == 80


def test_patch_of_a_missing_path_fails(tmp_path):
    write(tmp_path / "kustomization.yaml", """
        resources: [svc.yaml]
        patches:
          - target: {kind: Service}
            patch: |-
              - op: replace
                path: /spec/nothing
                value: 1
    """)
    write(tmp_path / "svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {}\n")
    with pytest.raises(kustomize_lite.KustomizeError):
        kustomize_lite.render(str(tmp_path))


def test_unsupported_fields_are_refused_not_ignored(tmp_path):
    write(tmp_path / "kustomization.yaml", "resources: []\nnamePrefix: x-\n")
    with pytest.raises(kustomize_lite.UnsupportedField):
        kustomize_lite.render(str(tmp_path))


def test_the_repository_kustomizations_render():
    for rel in ("k8s", "k8s/overlays/dev", "k8s/overlays/turn"):
        kinds = {o["kind"] for o in kustomize_lite.render(os.path.join(ROOT, rel))}
        assert {"Deployment", "HorizontalPodAutoscaler", "Role", "RoleBinding", "ServiceAccount", "Service", "ConfigMap"} <= kinds
    objects = kustomize_lite.render(os.path.join(ROOT, "k8s/overlays/daemonset"))
    assert ("DaemonSet", "meet-sfu") in {(o["kind"], o["metadata"]["name"]) for o in objects}
    assert "Role" not in {o["kind"] for o in objects}


# --- configuration names --------------------------------------------------------------

def test_configuration_table_knows_each_service():
    assert "meet-sfu" in TABLE["MEET_SFU_PUBLIC_IP"] and "meet-api" not in TABLE["MEET_SFU_PUBLIC_IP"]
    # Named in the meet-sfu row's text, so meet-sfu reads it too.
    assert "meet-sfu" in TABLE["MEET_REDIS_URL"]
    assert "meet-sfu" not in TABLE["MEET_DATABASE_URL"]


def test_variable_problems_are_reported():
    found = config_doc.problems(
        {"MEET_DATABASE_URL": "env", "MEET_NOT_A_THING": "env", "MEET_ENV": "env"}, "meet-sfu", TABLE, CODE, "x")
    assert any("MEET_DATABASE_URL" in p and "not meet-sfu" in p for p in found)
    assert any("MEET_NOT_A_THING" in p and "not documented" in p for p in found)
    assert not any("MEET_ENV" in p for p in found)


# --- compose --------------------------------------------------------------------------

def _resolved_compose():
    compose = os.path.join(ROOT, ".venv/compose-1.29/bin/docker-compose")
    if not os.path.exists(compose):
        pytest.fail("docker-compose not installed in .venv/compose-1.29 (run scripts/check-deploy)")
    out = subprocess.run([compose, "-f", os.path.join(ROOT, "docker-compose.yml"), "config"],
                         capture_output=True, text=True, check=True).stdout
    return yaml.safe_load(out)


def test_compose_passes_and_mistakes_are_caught():
    resolved = _resolved_compose()
    notes, problems = check_compose.check(resolved, "", TABLE, CODE)
    assert problems == [] and len(notes) == 6

    broken = copy.deepcopy(resolved)
    broken["services"]["meet-ws-1"]["environment"]["MEET_SFU_UDP_PORT"] = "10000"
    broken["services"]["meet-sfu-2"]["environment"]["MEET_SFU_UDP_PORT"] = "10000"
    broken["services"]["meet-api"]["depends_on"]["postgres"]["condition"] = "service_started"
    broken["services"]["meet-recorder"]["volumes"] = []
    _, problems = check_compose.check(broken, "${MEET_TYPO}", TABLE, CODE)
    text = "\n".join(problems)
    assert "meet-ws-1" in text and "MEET_SFU_UDP_PORT" in text
    assert "share UDP port 10000" in text
    assert "must publish UDP 10000:10000" in text
    assert "does not wait for service_healthy" in text
    assert "meet-recorder must keep MEET_RECORDING_DIR" in text
    assert "MEET_TYPO" in text


# --- Kubernetes -------------------------------------------------------------------------

def test_k8s_mistakes_are_caught():
    objects = kustomize_lite.render(os.path.join(ROOT, "k8s/overlays/dev"))
    assert check_k8s.check(objects, "dev", TABLE, CODE)[1] == []
    broken = copy.deepcopy(objects)
    for o in broken:
        spec = o.get("spec", {}).get("template", {}).get("spec", {})
        if o["kind"] == "Deployment" and o["metadata"]["name"] == "meet-sfu":
            spec["terminationGracePeriodSeconds"] = 30
            spec["hostNetwork"] = False
            spec["containers"][0]["lifecycle"] = {"preStop": {"exec": {"command": ["sleep", "5"]}}}
        if o["kind"] == "Deployment" and o["metadata"]["name"] == "meet-ws":
            del spec["containers"][0]["readinessProbe"]
            spec["containers"][0]["env"].append({"name": "MEET_SFU_REGION", "value": "x"})
    problems = "\n".join(check_k8s.check(broken, "dev", TABLE, CODE)[1])
    assert "terminationGracePeriodSeconds 30" in problems
    assert "host network" in problems
    assert "preStop" in problems
    assert "readinessProbe" in problems
    assert "MEET_SFU_REGION" in problems


def test_network_policy_that_admits_everyone_is_caught():
    objects = kustomize_lite.render(os.path.join(ROOT, "k8s/overlays/dev"))
    for o in objects:
        if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "postgres-ingress":
            o["spec"]["ingress"][0]["from"].append({"podSelector": {}})
    _, problems = check_k8s.check_network_policies(objects, "dev")
    assert any("admits every pod" in p for p in problems)


def test_strict_validation_rejects_unknown_fields(tmp_path):
    validator = shutil.which("kubernetes-validate") or os.path.join(os.path.dirname(sys.executable), "kubernetes-validate")
    write(tmp_path / "bad.yaml", """
        apiVersion: v1
        kind: Service
        metadata: {name: a}
        spec: {ports: [{port: 80}], selectr: {app: a}}
    """)
    p = subprocess.run([validator, "--strict", "--quiet", str(tmp_path / "bad.yaml")], capture_output=True, text=True)
    assert p.returncode != 0 and "selectr" in p.stdout + p.stderr


# --- shared libraries --------------------------------------------------------------------

def _binaries():
    bin_dir = os.environ.get("MEET_BIN_DIR", os.path.join(ROOT, ".build/debug"))
    sfu = os.path.join(bin_dir, "meet-sfu")
    if not os.path.isfile(sfu):
        pytest.fail(f"{sfu} not built (set MEET_BIN_DIR to `swift build --show-bin-path`)")
    return [sfu]


def test_runtime_stage_missing_a_library_is_caught(tmp_path):
    write(tmp_path / "Dockerfile", """
        FROM swift:6.3-bookworm AS build
        RUN swift build -c release --static-swift-stdlib --product meet-sfu
        FROM debian:bookworm-slim
        RUN apt-get update && apt-get install -y --no-install-recommends \\
            # a comment inside the RUN, as Docker allows
            libc6 libstdc++6 libgcc-s1 libhiredis0.14 libssl3 \\
            && rm -rf /var/lib/apt/lists/*
    """)
    parsed = check_libs.parse_dockerfile(str(tmp_path / "Dockerfile"))
    assert parsed.runtime_packages == ["libc6", "libstdc++6", "libgcc-s1", "libhiredis0.14", "libssl3"]
    _, problems = check_libs.check(_binaries(), parsed, check_libs.toolchain_root())
    assert any("libsrtp2.so.1" in p and "libsrtp2-1" in p for p in problems)


def test_dynamic_swift_runtime_is_caught(tmp_path):
    write(tmp_path / "Dockerfile", """
        FROM swift:6.3-bookworm AS build
        RUN swift build -c release --product meet-sfu
        FROM debian:bookworm-slim
        RUN apt-get install -y libc6 libstdc++6 libgcc-s1 libhiredis0.14 libssl3 libsrtp2-1
    """)
    parsed = check_libs.parse_dockerfile(str(tmp_path / "Dockerfile"))
    _, problems = check_libs.check(_binaries(), parsed, check_libs.toolchain_root())
    assert any("--static-swift-stdlib" in p for p in problems)


def test_dockerignore_must_keep_what_the_build_needs(tmp_path):
    assert check_libs.context_problems(ROOT)[1] == []
    write(tmp_path / ".dockerignore", ".build\nTests\ndeploy/*\n!deploy/healthcheck.sh\n")
    assert check_libs.ignored_by_dockerignore(str(tmp_path), "Tests/MeetAPITests")
    assert not check_libs.ignored_by_dockerignore(str(tmp_path), "deploy/healthcheck.sh")
    assert check_libs.ignored_by_dockerignore(str(tmp_path), "deploy/caddy/Caddyfile")
    assert not check_libs.ignored_by_dockerignore(str(tmp_path), "Services/ServerAPI/Sources/MeetAPI")


# --- meet-sfu links --------------------------------------------------------------------

def _package(sfu_dependencies):
    """A `swift package describe` answer shaped like ours, with meet-sfu's
    node target depending on `sfu_dependencies`."""
    return {
        "products": [{"name": "meet-sfu", "targets": ["SFUNode"]}, {"name": "meet-api", "targets": ["ServerAPI"]}],
        "targets": [
            {"name": "SFUNode", "target_dependencies": ["MeetSFUNode", "MeetCore"]},
            {"name": "MeetSFUNode", "target_dependencies": sfu_dependencies, "product_dependencies": ["NIOCore"]},
            {"name": "MeetCore", "product_dependencies": ["Hummingbird", "Logging"]},
            {"name": "MeetDatabase", "target_dependencies": ["MeetCore"], "product_dependencies": ["PostgresNIO"]},
            {"name": "MeetAuth", "target_dependencies": ["MeetCore"], "product_dependencies": ["JWTKit"]},
            {"name": "ServerAPI", "target_dependencies": ["MeetDatabase", "MeetAuth"]},
        ],
    }


def test_sfu_depending_on_the_database_module_is_caught():
    forbidden = check_links.FORBIDDEN["meet-sfu"]
    assert check_links.graph_problems(_package(["MeetCore"]), "meet-sfu", forbidden)[1] == []
    problems = check_links.graph_problems(_package(["MeetCore", "MeetDatabase", "MeetAuth"]), "meet-sfu", forbidden)[1]
    assert sorted(problems) == [
        "meet-sfu links JWTKit through MeetAuth <- MeetSFUNode <- SFUNode",
        "meet-sfu links PostgresNIO through MeetDatabase <- MeetSFUNode <- SFUNode",
    ]


def test_postgres_or_jwt_symbols_in_the_binary_are_caught():
    forbidden = check_links.FORBIDDEN["meet-sfu"]
    clean = "0000000001 T $s7MeetSFU6RouterV5routeyyF\n0000000002 T $s8MeetCore12HealthRoutesV\n"
    assert check_links.symbol_problems(clean, "meet-sfu", forbidden) == []
    # As nm printed them for meet-sfu before MeetCore lost its database and JWT code.
    dirty = clean + "00000000026e2984 D $s10PrivateKey6JWTKit14ECDSACurveTypePTl\n" \
        "0000000000e2f930 T $s11PostgresNIO0A10ConnectionC04withC0y7NIOCore15EventLoopFutureCyxGAhCXElF\n"
    problems = check_links.symbol_problems(dirty, "meet-sfu", forbidden)
    assert [p.split(" contains ")[1].split(",")[0] for p in problems] == ["1 symbols of PostgresNIO", "1 symbols of JWTKit"]
    # A longer name that merely ends in a forbidden one is not a hit.
    assert check_links.symbol_problems("1 T $s16NotJWTKit\n", "meet-sfu", forbidden) == []


def test_the_repository_sfu_graph_is_clean():
    package = check_links.describe(ROOT)
    notes, problems = check_links.graph_problems(package, "meet-sfu", check_links.FORBIDDEN["meet-sfu"])
    assert problems == [] and "MeetCore" in notes[0]


# --- meet-sfu autoscaling (issue #22) ---------------------------------------------------

def test_sfu_autoscaling_passes_and_mistakes_are_caught():
    exported = check_autoscaling.exported_sfu_metrics(ROOT)
    assert "meet_sfu_packets_out_per_second_per_core" in exported
    objects = kustomize_lite.render(os.path.join(ROOT, "k8s"))
    notes, problems = check_autoscaling.check(objects, "k8s", exported)
    assert problems == [] and len(notes) == 2
    broken = copy.deepcopy(objects)
    for o in broken:
        name = (o["kind"], o["metadata"]["name"])
        if name == ("Deployment", "meet-sfu"):
            o["spec"]["replicas"] = 3
            del o["spec"]["template"]["spec"]["affinity"]
            del o["spec"]["template"]["metadata"]["annotations"]["cluster-autoscaler.kubernetes.io/safe-to-evict"]
        if name == ("HorizontalPodAutoscaler", "meet-sfu"):
            o["spec"]["metrics"].append({"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}})
            o["spec"]["metrics"][0]["pods"]["metric"]["name"] = "meet_sfu_load_typo"
            o["spec"]["behavior"]["scaleDown"] = {"stabilizationWindowSeconds": 60, "policies": [{"type": "Percent", "value": 50, "periodSeconds": 60}]}
        if name == ("Role", "meet-sfu-deletion-cost"):
            o["rules"][0]["verbs"] = ["get", "list", "patch"]
    problems = "\n".join(check_autoscaling.check(broken, "k8s", exported)[1])
    for expected in ("sets replicas", "anti-affinity", "safe-to-evict", "scales on cpu", "meet_sfu_load_typo",
                     "window 60 s", "one pod at a time", "only patch on pods is needed"):
        assert expected in problems, expected


def test_a_daemonset_sfu_has_no_autoscaling_to_check():
    objects = kustomize_lite.render(os.path.join(ROOT, "k8s/overlays/daemonset"))
    notes, problems = check_autoscaling.check(objects, "daemonset", set())
    assert problems == [] and "DaemonSet" in notes[0]


def test_the_prometheus_adapter_rule_serves_the_metric_the_hpa_asks_for():
    with open(os.path.join(ROOT, "deploy/prometheus-adapter/rules.yaml")) as f:
        rules = yaml.safe_load(f)["rules"]["custom"]
    served = {r["name"]["as"] for r in rules}
    hpa = next(o for o in kustomize_lite.render(os.path.join(ROOT, "k8s")) if o["kind"] == "HorizontalPodAutoscaler"
               and o["metadata"]["name"] == "meet-sfu")
    asked = {m["pods"]["metric"]["name"] for m in hpa["spec"]["metrics"] if m["type"] == "Pods"}
    assert asked and asked <= served
    assert asked <= check_autoscaling.exported_sfu_metrics(ROOT)
