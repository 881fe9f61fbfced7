"""kustomize_lite: renders the subset of kustomize that k8s/ uses, offline.

Why: the CI machine has no kubectl or kustomize binary (Debian's
kubernetes-client is 1.20 with a kustomize too old for `patches` and
`labels`, and nothing usable is on PyPI), yet `scripts/check-deploy` must
render `kubectl apply -k k8s/` to validate it. Where a real `kubectl
kustomize` exists, check_k8s.py renders with both and requires the same
objects, which keeps this renderer honest.

Supported kustomization fields (anything else raises UnsupportedField, so a
new field never renders silently wrong): resources (files and directories),
namespace, labels, commonLabels, images, configMapGenerator and
secretGenerator (literals, envs, files; behavior create/merge/replace),
generatorOptions.disableNameSuffixHash, and patches as JSON 6902 operation
lists (inline or from a file) with targets by group/version/kind/name
(regex)/namespace. Generated names get kustomize's content hash suffix, and
references to them from pod specs and Ingress TLS are rewritten.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from dataclasses import dataclass
from typing import Any

import yaml

import json6902

SUPPORTED_FIELDS = {
    "apiVersion", "kind", "resources", "namespace", "labels", "commonLabels",
    "images", "configMapGenerator", "secretGenerator", "generatorOptions", "patches",
}

# Kinds that are not namespaced (the namespace transformer leaves them alone).
CLUSTER_SCOPED = {
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "PersistentVolume", "StorageClass", "PriorityClass", "IngressClass",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
}

WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}

# kustomize's "legacy" output order: these kinds first, in this order, the
# rest by kind name, webhooks last.
ORDER_FIRST = [
    "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition",
    "ServiceAccount", "PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding",
    "ClusterRoleBinding", "ConfigMap", "Secret", "Endpoints", "Service",
    "LimitRange", "PriorityClass", "PersistentVolume", "PersistentVolumeClaim",
    "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget",
]
ORDER_LAST = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]


class KustomizeError(Exception):
    """A kustomization this renderer cannot build (with the file to blame)."""


class UnsupportedField(KustomizeError):
    pass


@dataclass
class Resource:
    obj: dict[str, Any]
    # Generated ConfigMap/Secret: its name gets the hash suffix at the end.
    generated: bool = False
    hashed: bool = True
    origin: str = ""

    @property
    def kind(self) -> str:
        return self.obj.get("kind", "")

    @property
    def name(self) -> str:
        return self.obj.get("metadata", {}).get("name", "")

    @property
    def namespace(self) -> str | None:
        return self.obj.get("metadata", {}).get("namespace")


def render(path: str) -> list[dict[str, Any]]:
    """Renders the kustomization in directory `path`, like `kubectl kustomize path`."""
    resources = _build(os.path.abspath(path), stack=())
    _apply_name_hashes(resources)
    return [r.obj for r in sorted(resources, key=_order_key)]


def render_yaml(path: str) -> str:
    return yaml.safe_dump_all(render(path), sort_keys=True, default_flow_style=False)


# --- one kustomization level ---------------------------------------------------

def _build(directory: str, stack: tuple[str, ...]) -> list[Resource]:
    if directory in stack:
        raise KustomizeError(f"cycle: {directory} includes itself")
    kfile = _kustomization_file(directory)
    with open(kfile) as f:
        k = yaml.safe_load(f) or {}
    unknown = set(k) - SUPPORTED_FIELDS
    if unknown:
        raise UnsupportedField(f"{kfile}: kustomize_lite does not support {sorted(unknown)}")

    resources: list[Resource] = []
    for entry in k.get("resources", []):
        target = os.path.normpath(os.path.join(directory, entry))
        if os.path.isdir(target):
            resources.extend(_build(target, stack + (directory,)))
        elif os.path.isfile(target):
            resources.extend(_load_file(target))
        else:
            raise KustomizeError(f"{kfile}: resource {entry!r} does not exist")

    options = k.get("generatorOptions", {}) or {}
    hashed = not options.get("disableNameSuffixHash", False)
    for kind, key in (("ConfigMap", "configMapGenerator"), ("Secret", "secretGenerator")):
        for spec in k.get(key, []) or []:
            _generate(resources, kind, spec, directory, kfile, hashed)

    for patch in k.get("patches", []) or []:
        _apply_patch(resources, patch, directory, kfile)
    if "namespace" in k:
        for r in resources:
            if r.kind not in CLUSTER_SCOPED:
                r.obj.setdefault("metadata", {})["namespace"] = k["namespace"]
    if k.get("commonLabels"):
        _apply_labels(resources, k["commonLabels"], selectors=True, templates=True)
    for entry in k.get("labels", []) or []:
        selectors = bool(entry.get("includeSelectors", False))
        templates = selectors or bool(entry.get("includeTemplates", False))
        _apply_labels(resources, entry.get("pairs", {}), selectors=selectors, templates=templates)
    for image in k.get("images", []) or []:
        _apply_image(resources, image)
    return resources


def _kustomization_file(directory: str) -> str:
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate):
            return candidate
    raise KustomizeError(f"{directory}: no kustomization.yaml")


def _load_file(path: str) -> list[Resource]:
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    out = []
    for d in docs:
        if not isinstance(d, dict) or "kind" not in d or "apiVersion" not in d:
            raise KustomizeError(f"{path}: every document needs apiVersion and kind")
        if d["kind"].endswith("List") and "items" in d:
            raise UnsupportedField(f"{path}: List objects are not supported")
        out.append(Resource(d, origin=path))
    return out


# --- generators -------------------------------------------------------------------

def _generate(resources: list[Resource], kind: str, spec: dict, directory: str, kfile: str, hashed: bool) -> None:
    unknown = set(spec) - {"name", "namespace", "behavior", "literals", "envs", "files", "type", "options"}
    if unknown:
        raise UnsupportedField(f"{kfile}: generator fields {sorted(unknown)} not supported")
    if spec.get("options"):
        raise UnsupportedField(f"{kfile}: per-generator options not supported")
    name = spec["name"]
    data: dict[str, str] = {}
    for env in spec.get("envs", []) or []:
        data.update(_read_env_file(os.path.join(directory, env)))
    for literal in spec.get("literals", []) or []:
        key, sep, value = literal.partition("=")
        if not sep:
            raise KustomizeError(f"{kfile}: literal {literal!r} has no '='")
        data[key] = _unquote(value)
    for entry in spec.get("files", []) or []:
        key, sep, rel = entry.partition("=")
        if not sep:
            key, rel = os.path.basename(entry), entry
        with open(os.path.join(directory, rel)) as f:
            data[key] = f.read()

    behavior = spec.get("behavior", "create")
    existing = [r for r in resources if r.kind == kind and r.name == name and r.generated]
    if behavior == "create":
        if existing:
            raise KustomizeError(f"{kfile}: {kind} {name} already exists; use behavior merge or replace")
        obj: dict[str, Any] = {"apiVersion": "v1", "kind": kind, "metadata": {"name": name}}
        if spec.get("namespace"):
            obj["metadata"]["namespace"] = spec["namespace"]
        if kind == "Secret":
            obj["type"] = spec.get("type", "Opaque")
            obj["data"] = {k: _b64(v) for k, v in data.items()}
        else:
            obj["data"] = data
        resources.append(Resource(obj, generated=True, hashed=hashed, origin=kfile))
        return
    if len(existing) != 1:
        raise KustomizeError(f"{kfile}: {behavior} of {kind} {name}, but no generated {kind} of that name in the resources")
    target = existing[0].obj
    encoded = {k: _b64(v) for k, v in data.items()} if kind == "Secret" else data
    if behavior == "merge":
        target.setdefault("data", {}).update(encoded)
    elif behavior == "replace":
        target["data"] = encoded
    else:
        raise KustomizeError(f"{kfile}: unknown generator behavior {behavior!r}")


def _read_env_file(path: str) -> dict[str, str]:
    data: dict[str, str] = {}
    with open(path) as f:
        for number, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition("=")
            if not sep:
                raise KustomizeError(f"{path}:{number}: expected KEY=VALUE")
            data[key] = value
    return data


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _b64(value: str) -> str:
    """Base64 as kustomize writes it into generated Secrets: lines of 70
    characters, each ending in a newline, once the encoding reaches 70."""
    encoded = base64.b64encode(value.encode()).decode()
    if len(encoded) < 70:
        return encoded
    return "".join(encoded[i:i + 70] + "\n" for i in range(0, len(encoded), 70))


def _hash(obj: dict[str, Any]) -> str:
    """kustomize's name suffix: sha256 over a compact, key-sorted JSON of the
    kind, name and data (plus type for Secrets), first 10 hex digits, with
    vowels and some digits swapped out so the suffix never spells a word.

    The name is always empty: kustomize 5 looks it up with
    `yaml.Lookup("metadata/name")`, which reads a field literally called
    "metadata/name" and finds none (checked against kubectl's kustomize 5.5)."""
    content: dict[str, Any] = {"kind": obj["kind"], "name": "", "data": obj.get("data", {})}
    if obj["kind"] == "Secret":
        content["type"] = obj.get("type", "Opaque")
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # Go's encoding/json escapes these for HTML safety; match it.
    encoded = encoded.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    digest = hashlib.sha256(encoded.encode()).hexdigest()[:10]
    return digest.translate(str.maketrans({"0": "g", "1": "h", "3": "k", "a": "m", "e": "t"}))


def _apply_name_hashes(resources: list[Resource]) -> None:
    renames: dict[tuple[str, str | None, str], str] = {}
    for r in resources:
        if r.generated and r.hashed:
            new = f"{r.name}-{_hash(r.obj)}"
            renames[(r.kind, r.namespace, r.name)] = new
            r.obj["metadata"]["name"] = new
    if not renames:
        return
    for r in resources:
        ns = r.namespace

        def rename(kind: str, holder: dict, key: str) -> None:
            value = holder.get(key)
            if isinstance(value, str) and (kind, ns, value) in renames:
                holder[key] = renames[(kind, ns, value)]

        for pod in _pod_specs(r.obj):
            for c in pod.get("containers", []) + pod.get("initContainers", []):
                for env in c.get("env", []) or []:
                    source = env.get("valueFrom", {}) or {}
                    if "configMapKeyRef" in source:
                        rename("ConfigMap", source["configMapKeyRef"], "name")
                    if "secretKeyRef" in source:
                        rename("Secret", source["secretKeyRef"], "name")
                for env_from in c.get("envFrom", []) or []:
                    if "configMapRef" in env_from:
                        rename("ConfigMap", env_from["configMapRef"], "name")
                    if "secretRef" in env_from:
                        rename("Secret", env_from["secretRef"], "name")
            for volume in pod.get("volumes", []) or []:
                if "configMap" in volume:
                    rename("ConfigMap", volume["configMap"], "name")
                if "secret" in volume:
                    rename("Secret", volume["secret"], "secretName")
                for source in (volume.get("projected", {}) or {}).get("sources", []) or []:
                    if "configMap" in source:
                        rename("ConfigMap", source["configMap"], "name")
                    if "secret" in source:
                        rename("Secret", source["secret"], "name")
            for pull in pod.get("imagePullSecrets", []) or []:
                rename("Secret", pull, "name")
        if r.kind == "Ingress":
            for tls in r.obj.get("spec", {}).get("tls", []) or []:
                rename("Secret", tls, "secretName")


# --- transformers -----------------------------------------------------------------

def _pod_specs(obj: dict[str, Any]) -> list[dict[str, Any]]:
    kind = obj.get("kind")
    spec = obj.get("spec", {}) or {}
    if kind == "Pod":
        return [spec]
    if kind in WORKLOADS:
        return [spec.get("template", {}).get("spec", {})]
    if kind == "CronJob":
        return [spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {})]
    return []


def _templates(obj: dict[str, Any]) -> list[dict[str, Any]]:
    kind = obj.get("kind")
    spec = obj.get("spec", {}) or {}
    if kind in WORKLOADS:
        return [spec.setdefault("template", {})]
    if kind == "CronJob":
        return [spec.setdefault("jobTemplate", {}).setdefault("spec", {}).setdefault("template", {})]
    return []


def _apply_labels(resources: list[Resource], pairs: dict[str, str], selectors: bool, templates: bool) -> None:
    for r in resources:
        r.obj.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)
        if templates:
            for t in _templates(r.obj):
                t.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)
        if selectors:
            spec = r.obj.get("spec")
            if r.kind == "Service" and isinstance(spec, dict):
                spec.setdefault("selector", {}).update(pairs)
            elif r.kind in WORKLOADS | {"PodDisruptionBudget"} and isinstance(spec, dict):
                spec.setdefault("selector", {}).setdefault("matchLabels", {}).update(pairs)
            elif r.kind == "NetworkPolicy" and isinstance(spec, dict):
                spec.setdefault("podSelector", {}).setdefault("matchLabels", {}).update(pairs)


_IMAGE = re.compile(r"^(?P<name>[^@]+?)(?::(?P<tag>[^:/@]+))?(?:@(?P<digest>.+))?$")


def _apply_image(resources: list[Resource], image: dict[str, str]) -> None:
    for r in resources:
        for pod in _pod_specs(r.obj):
            for c in pod.get("containers", []) + pod.get("initContainers", []):
                m = _IMAGE.match(c.get("image", ""))
                if not m or m.group("name") != image["name"]:
                    continue
                name = image.get("newName", m.group("name"))
                if "digest" in image:
                    c["image"] = f"{name}@{image['digest']}"
                elif "newTag" in image:
                    c["image"] = f"{name}:{image['newTag']}"
                elif m.group("digest"):
                    c["image"] = f"{name}@{m.group('digest')}"
                elif m.group("tag"):
                    c["image"] = f"{name}:{m.group('tag')}"
                else:
                    c["image"] = name


# --- JSON 6902 patches --------------------------------------------------------------

def _apply_patch(resources: list[Resource], patch: dict, directory: str, kfile: str) -> None:
    unknown = set(patch) - {"target", "patch", "path"}
    if unknown:
        raise UnsupportedField(f"{kfile}: patch fields {sorted(unknown)} not supported")
    text = patch.get("patch")
    if text is None:
        with open(os.path.join(directory, patch["path"])) as f:
            text = f.read()
    ops = yaml.safe_load(text)
    if not isinstance(ops, list):
        raise UnsupportedField(f"{kfile}: only JSON 6902 patches (a list of operations) are supported")
    target = patch.get("target")
    if not target:
        raise KustomizeError(f"{kfile}: a JSON 6902 patch needs a target")
    matched = [r for r in resources if _matches(r, target)]
    if not matched:
        raise KustomizeError(f"{kfile}: patch target {target} matches nothing")
    for r in matched:
        for op in ops:
            try:
                json6902.apply(r.obj, op, f"{kfile} ({r.kind}/{r.name})")
            except json6902.UnsupportedOperation as error:
                raise UnsupportedField(str(error)) from error
            except json6902.PatchError as error:
                raise KustomizeError(str(error)) from error


def _matches(r: Resource, target: dict) -> bool:
    unknown = set(target) - {"group", "version", "kind", "name", "namespace"}
    if unknown:
        raise UnsupportedField(f"patch target fields {sorted(unknown)} not supported")
    api = r.obj.get("apiVersion", "")
    group, _, version = api.rpartition("/")
    checks = [("group", group), ("version", version), ("kind", r.kind), ("name", r.name), ("namespace", r.namespace or "")]
    for key, value in checks:
        if key in target and not re.fullmatch(target[key], value):
            return False
    return True


def _order_key(r: Resource) -> tuple:
    if r.kind in ORDER_FIRST:
        rank = (0, ORDER_FIRST.index(r.kind), "")
    elif r.kind in ORDER_LAST:
        rank = (2, ORDER_LAST.index(r.kind), "")
    else:
        rank = (1, 0, r.kind)
    return rank + (r.namespace or "", r.name)


if __name__ == "__main__":
    import sys

    sys.stdout.write(render_yaml(sys.argv[1] if len(sys.argv) > 1 else "."))
