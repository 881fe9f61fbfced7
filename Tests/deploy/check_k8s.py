"""Checks the rendered Kubernetes objects of k8s/ (production) and
k8s/overlays/dev beyond schema validation: the MEET_* variables each
container gets, and the properties issue #7 asks for (probes, security
contexts, the SFU's host network and grace period, HPAs, PDBs, network
policies, Prometheus annotations)."""

from __future__ import annotations

import base64

import config_doc

MEET_BINARIES = ("meet-api", "meet-ws", "meet-sfu", "meet-recorder")
HTTP_PORTS = {"meet-api": 8080, "meet-ws": 8081, "meet-sfu": 8090, "meet-recorder": 8095}
# The SFU's drain (a later issue) defaults to 30 s; the pod's grace period
# must leave room for it.
SFU_DRAIN_TIMEOUT_SECONDS = 30


def index(objects: list[dict]) -> dict[tuple[str, str], dict]:
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}


def _pod(obj: dict) -> dict:
    return obj.get("spec", {}).get("template", {}).get("spec", {})


def _container_binary(container: dict) -> str | None:
    argv = (container.get("command") or []) + (container.get("args") or [])
    return argv[0] if argv and argv[0] in MEET_BINARIES else None


def container_variables(obj: dict, container: dict, objects: list[dict]) -> dict[str, str]:
    """Every environment variable the container gets: name -> where from."""
    by_name = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    out: dict[str, str] = {}
    for env_from in container.get("envFrom", []) or []:
        for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            if key not in env_from:
                continue
            ref = env_from[key]["name"]
            source = by_name.get((kind, ref))
            if source is None:
                # The production Secret is created by hand (secret.example.yaml).
                out[f"<all keys of {kind} {ref}>"] = "envFrom"
                continue
            for k in (source.get("data") or {}):
                out[env_from.get("prefix", "") + k] = f"{kind} {ref}"
    for env in container.get("env", []) or []:
        out[env["name"]] = "env"
    return out


def check(objects: list[dict], label: str, table: dict[str, set[str]], code: set[str]) -> tuple[list[str], list[str]]:
    notes: list[str] = []
    problems: list[str] = []
    objs = index(objects)

    for obj in objects:
        if obj["kind"] not in ("Deployment", "DaemonSet", "StatefulSet"):
            continue
        pod = _pod(obj)
        for c in pod.get("containers", []):
            binary = _container_binary(c)
            where = f"{label}: {obj['kind']} {obj['metadata']['name']} container {c['name']}"
            variables = container_variables(obj, c, objects)
            if binary is None:
                stray = sorted(v for v in variables if v.startswith("MEET_"))
                if stray:
                    problems.append(f"{where} is no Meet binary but sets {stray}")
                continue
            opaque = [v for v in variables if v.startswith("<")]
            if opaque:
                problems.append(f"{where}: envFrom of an object not in the output ({opaque}); cannot check its names")
            problems += config_doc.problems(variables, binary, table, code, where)
            problems += _check_meet_pod(obj, pod, c, binary, where)
            notes.append(f"{label}: {obj['kind']}/{obj['metadata']['name']} runs {binary} with "
                         f"{len([v for v in variables if v.startswith('MEET_')])} MEET_* variables, all documented")

    for name in ("meet-api", "meet-ws"):
        for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
            if (kind, name) not in objs:
                problems.append(f"{label}: missing {kind} {name}")
    if ("PodDisruptionBudget", "meet-sfu") not in objs:
        problems.append(f"{label}: missing PodDisruptionBudget meet-sfu")
    if ("Deployment", "meet-sfu") not in objs and ("DaemonSet", "meet-sfu") not in objs:
        problems.append(f"{label}: meet-sfu is neither a Deployment nor a DaemonSet")
    problems += _check_ingress(objs, label)
    problems += _check_secrets(objects, label)
    return notes, problems


def _check_meet_pod(obj: dict, pod: dict, c: dict, binary: str, where: str) -> list[str]:
    out = []
    port = HTTP_PORTS[binary]
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        got = (c.get(probe) or {}).get("httpGet", {}).get("path")
        if got != path:
            out.append(f"{where}: {probe} should GET {path}, has {got!r}")
    named = {p.get("name"): p.get("containerPort") for p in c.get("ports", [])}
    if named.get("http") != port:
        out.append(f"{where}: port 'http' should be {port}")
    sc = c.get("securityContext", {}) or {}
    psc = pod.get("securityContext", {}) or {}
    if not psc.get("runAsNonRoot"):
        out.append(f"{where}: pod securityContext needs runAsNonRoot")
    if not sc.get("readOnlyRootFilesystem"):
        out.append(f"{where}: container needs readOnlyRootFilesystem")
    if sc.get("allowPrivilegeEscalation") is not False:
        out.append(f"{where}: container needs allowPrivilegeEscalation: false")
    if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
        out.append(f"{where}: container should drop ALL capabilities")
    if not (c.get("resources") or {}).get("requests"):
        out.append(f"{where}: no resource requests")
    annotations = obj["spec"]["template"].get("metadata", {}).get("annotations", {}) or {}
    if annotations.get("prometheus.io/scrape") != "true" or annotations.get("prometheus.io/port") != str(port):
        out.append(f"{where}: Prometheus scrape annotations missing or on the wrong port")
    if binary == "meet-sfu":
        if obj["kind"] not in ("DaemonSet", "Deployment") or not pod.get("hostNetwork"):
            out.append(f"{where}: meet-sfu must be a Deployment or DaemonSet on the host network")
        if any("preStop" in (x.get("lifecycle") or {}) for x in pod.get("containers", [])):
            out.append(f"{where}: meet-sfu must have no preStop hook (the drain starts at SIGTERM; a hook delays it)")
        if (c.get("readinessProbe") or {}).get("failureThreshold", 3) != 1:
            out.append(f"{where}: meet-sfu's readinessProbe needs failureThreshold 1 (out of rotation at the drain's start)")
        if pod.get("dnsPolicy") != "ClusterFirstWithHostNet":
            out.append(f"{where}: hostNetwork pods need dnsPolicy ClusterFirstWithHostNet to reach Redis by name")
        grace = pod.get("terminationGracePeriodSeconds", 30)
        if grace <= SFU_DRAIN_TIMEOUT_SECONDS:
            out.append(f"{where}: terminationGracePeriodSeconds {grace} must exceed the drain timeout ({SFU_DRAIN_TIMEOUT_SECONDS} s)")
        env = {e["name"]: e for e in c.get("env", [])}
        ip = ((env.get("MEET_SFU_PUBLIC_IP") or {}).get("valueFrom") or {}).get("fieldRef", {}).get("fieldPath")
        if ip != "status.hostIP":
            out.append(f"{where}: MEET_SFU_PUBLIC_IP should come from status.hostIP")
        udp = [p for p in c.get("ports", []) if p.get("protocol") == "UDP"]
        if not udp:
            out.append(f"{where}: no UDP port declared")
    return out


def _check_ingress(objs: dict, label: str) -> list[str]:
    ingress = objs.get(("Ingress", "meet"))
    if ingress is None:
        return [f"{label}: missing Ingress meet"]
    backends = {}
    for rule in ingress["spec"].get("rules", []):
        for path in rule.get("http", {}).get("paths", []):
            backends[path["path"]] = path["backend"]["service"]["name"]
    out = []
    if backends.get("/v1/ws") != "meet-ws":
        out.append(f"{label}: Ingress must send /v1/ws to meet-ws (WebSocket)")
    if backends.get("/") != "meet-api":
        out.append(f"{label}: Ingress must send / to meet-api")
    return out


def _check_secrets(objects: list[dict], label: str) -> list[str]:
    """Generated dev secrets must say they are for development; nothing else may hold a secret."""
    out = []
    for o in objects:
        if o["kind"] != "Secret":
            continue
        jwt = (o.get("data") or {}).get("MEET_JWT_SECRET")
        if jwt is not None:
            value = base64.b64decode("".join(jwt.split())).decode()
            if "DEVELOPMENT" not in value:
                out.append(f"{label}: Secret {o['metadata']['name']} holds a JWT key not marked DEVELOPMENT-ONLY")
    return out


def check_network_policies(objects: list[dict], label: str) -> tuple[list[str], list[str]]:
    """In the dev overlay: PostgreSQL only from meet-api/meet-ws/meet-recorder, Redis only from those (+ the SFU nodes)."""
    objs = index(objects)
    notes, problems = [], []
    expected = {"postgres": {"meet-api", "meet-ws", "meet-recorder"}, "redis": {"meet-api", "meet-ws", "meet-recorder"}}
    for store, allowed in expected.items():
        policy = next((o for o in objects if o["kind"] == "NetworkPolicy"
                       and o["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name") == store), None)
        if policy is None:
            problems.append(f"{label}: no NetworkPolicy selects {store}")
            continue
        if "Ingress" not in policy["spec"].get("policyTypes", []):
            problems.append(f"{label}: NetworkPolicy for {store} does not restrict ingress")
        names: set[str] = set()
        for rule in policy["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                selector = peer.get("podSelector")
                if selector is None:
                    continue
                for expr in selector.get("matchExpressions", []):
                    if expr["key"] == "app.kubernetes.io/name" and expr["operator"] == "In":
                        names.update(expr["values"])
                name = selector.get("matchLabels", {}).get("app.kubernetes.io/name")
                if name:
                    names.add(name)
                if not selector:
                    problems.append(f"{label}: NetworkPolicy for {store} admits every pod")
        if names != allowed:
            problems.append(f"{label}: NetworkPolicy for {store} admits pods {sorted(names)}, expected {sorted(allowed)}")
        else:
            notes.append(f"{label}: {store} admits only {sorted(names)}" + (" and the SFU nodes' range" if store == "redis" else ""))
        if (("StatefulSet", store) not in objs) and (("Deployment", store) not in objs):
            problems.append(f"{label}: no {store} workload")
    return notes, problems
