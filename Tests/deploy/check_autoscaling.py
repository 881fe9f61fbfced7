"""Checks the autoscaled meet-sfu of issue #22 in rendered manifests: the
Deployment (host network, at most one per machine, grace period above the
drain, the cluster autoscaler kept off busy nodes), its HPA (a metric the
node really exports, slow one-pod scale-in), and the narrow RBAC of the
pod-deletion-cost updates. A DaemonSet meet-sfu (k8s/overlays/daemonset)
skips all of it."""

from __future__ import annotations

import os
import re

_GAUGE = re.compile(r'(?:Gauge|Counter|Timer)\(label:\s*"(meet_sfu_[a-z0-9_]+)"')
# The shortest scale-in window we accept: a meeting's load dips for minutes
# (a break, a screen share ending) without the need for the node going away.
MIN_SCALE_DOWN_WINDOW_SECONDS = 300


def exported_sfu_metrics(root: str) -> set[str]:
    """Every meet_sfu_* metric label that a meet-sfu Swift source creates."""
    names: set[str] = set()
    for directory, _, files in os.walk(os.path.join(root, "Services", "SFUNode")):
        for name in files:
            if name.endswith(".swift"):
                with open(os.path.join(directory, name), errors="replace") as f:
                    names.update(_GAUGE.findall(f.read()))
    return names


def _config_value(objects: list[dict], configmap: str, key: str) -> str | None:
    for o in objects:
        if o["kind"] == "ConfigMap" and re.fullmatch(re.escape(configmap) + r"(-[a-z0-9]{10})?", o["metadata"]["name"]):
            value = (o.get("data") or {}).get(key)
            if value is not None:
                return value
    return None


def check(objects: list[dict], label: str, exported: set[str]) -> tuple[list[str], list[str]]:
    objs = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    deployment = objs.get(("Deployment", "meet-sfu"))
    if deployment is None:
        return [f"{label}: meet-sfu is a DaemonSet here (no autoscaling to check)"], []
    notes: list[str] = []
    problems: list[str] = []
    where = f"{label}: Deployment meet-sfu"
    spec = deployment["spec"]
    template = spec["template"]
    pod = template["spec"]
    if "replicas" in spec:
        problems.append(f"{where}: sets replicas; the HPA owns the count (apply would reset it)")
    terms = (((pod.get("affinity") or {}).get("podAntiAffinity") or {})
             .get("requiredDuringSchedulingIgnoredDuringExecution") or [])
    if not any(t.get("topologyKey") == "kubernetes.io/hostname"
               and (t.get("labelSelector") or {}).get("matchLabels", {}).get("app.kubernetes.io/name") == "meet-sfu"
               for t in terms):
        problems.append(f"{where}: needs required pod anti-affinity on kubernetes.io/hostname (one per machine)")
    annotations = template.get("metadata", {}).get("annotations", {}) or {}
    if annotations.get("cluster-autoscaler.kubernetes.io/safe-to-evict") != "false":
        problems.append(f"{where}: the pod needs cluster-autoscaler.kubernetes.io/safe-to-evict: \"false\"")
    if "controller.kubernetes.io/pod-deletion-cost" in annotations:
        problems.append(f"{where}: the template must not set the deletion cost (each node keeps its own)")
    drain = _config_value(objects, "meet-sfu-config", "MEET_SFU_DRAIN_TIMEOUT")
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if drain is None:
        problems.append(f"{where}: no MEET_SFU_DRAIN_TIMEOUT in meet-sfu-config")
    elif grace < int(drain) + 10:
        problems.append(f"{where}: terminationGracePeriodSeconds {grace} leaves under 10 s after the drain ({drain} s)")
    container = next(c for c in pod["containers"] if c["name"] == "meet-sfu")
    env = {e["name"]: e for e in container.get("env", [])}
    field = lambda n: ((env.get(n) or {}).get("valueFrom") or {}).get("fieldRef", {}).get("fieldPath")  # noqa: E731
    if field("MEET_SFU_K8S_POD_NAME") != "metadata.name" or field("MEET_SFU_K8S_NAMESPACE") != "metadata.namespace":
        problems.append(f"{where}: MEET_SFU_K8S_POD_NAME / _NAMESPACE should come from the pod's metadata")
    account = pod.get("serviceAccountName")
    if account is None or pod.get("automountServiceAccountToken") is not True:
        problems.append(f"{where}: needs its own ServiceAccount with the token mounted (deletion cost)")
    problems += _check_rbac(objs, label, account)
    more_notes, more_problems = _check_hpa(objs, label, exported)
    notes += more_notes
    problems += more_problems
    if not problems:
        notes.append(f"{where}: one per machine, grace {grace} s > drain {drain} s, safe-to-evict false, "
                     f"ServiceAccount {account} may only patch pods")
    return notes, problems


def _check_hpa(objs: dict, label: str, exported: set[str]) -> tuple[list[str], list[str]]:
    hpa = objs.get(("HorizontalPodAutoscaler", "meet-sfu"))
    where = f"{label}: HorizontalPodAutoscaler meet-sfu"
    if hpa is None:
        return [], [f"{label}: missing HorizontalPodAutoscaler meet-sfu"]
    spec = hpa["spec"]
    problems: list[str] = []
    ref = spec.get("scaleTargetRef", {})
    if (ref.get("kind"), ref.get("name")) != ("Deployment", "meet-sfu"):
        problems.append(f"{where}: scales {ref}, not Deployment meet-sfu")
    names = []
    for metric in spec.get("metrics", []):
        kind = metric["type"]
        if kind == "Resource":
            problems.append(f"{where}: scales on {metric['resource']['name']}; an SFU is limited by packets, not CPU alone")
            continue
        key = {"Pods": "pods", "External": "external", "Object": "object"}[kind]
        name = metric[key]["metric"]["name"]
        names.append(name)
        if name not in exported:
            problems.append(f"{where}: metric {name} is not exported by meet-sfu (/metrics has {sorted(exported)})")
    if not names:
        problems.append(f"{where}: no metric")
    down = (spec.get("behavior") or {}).get("scaleDown") or {}
    window = down.get("stabilizationWindowSeconds", 300)
    if window < MIN_SCALE_DOWN_WINDOW_SECONDS:
        problems.append(f"{where}: scale-down window {window} s is under {MIN_SCALE_DOWN_WINDOW_SECONDS} s")
    policies = down.get("policies") or []
    one_pod = [p for p in policies if p["type"] == "Pods" and p["value"] == 1]
    if not one_pod or (len(policies) > 1 and down.get("selectPolicy") != "Min") or down.get("selectPolicy") == "Disabled":
        problems.append(f"{where}: scale-in must remove one pod at a time (a Pods/1 policy, selectPolicy Min)")
    if problems:
        return [], problems
    return [f"{where}: on {', '.join(names)} (exported by meet-sfu), {spec.get('minReplicas', 1)}-{spec['maxReplicas']} "
            f"replicas, scale-in 1 pod per {one_pod[0]['periodSeconds']} s after a {window} s window"], []


def _check_rbac(objs: dict, label: str, account: str | None) -> list[str]:
    problems: list[str] = []
    if ("ServiceAccount", account) not in objs:
        return [f"{label}: missing ServiceAccount {account}"]
    bindings = [o for (kind, _), o in objs.items() if kind in ("RoleBinding", "ClusterRoleBinding")
                and any(s.get("kind") == "ServiceAccount" and s.get("name") == account for s in o.get("subjects", []))]
    if not bindings:
        return [f"{label}: nothing binds ServiceAccount {account} (its PATCH would be forbidden)"]
    for binding in bindings:
        if binding["kind"] != "RoleBinding" or binding["roleRef"]["kind"] != "Role":
            problems.append(f"{label}: {binding['kind']} {binding['metadata']['name']} grants cluster-wide; a namespaced Role is enough")
            continue
        role = objs.get(("Role", binding["roleRef"]["name"]))
        if role is None:
            problems.append(f"{label}: RoleBinding {binding['metadata']['name']} names a missing Role")
            continue
        for rule in role.get("rules", []):
            if rule.get("apiGroups") != [""] or rule.get("resources") != ["pods"] or rule.get("verbs") != ["patch"]:
                problems.append(f"{label}: Role {role['metadata']['name']} grants {rule}; only patch on pods is needed")
    return problems
