"""A small kustomize for the tests: renders k8s/kustomization.yaml as `kubectl kustomize` does, for the fields it uses.

kubectl is not in Debian's packages (only a 1.20 client whose kustomize predates `labels`), so CI renders with this.
It supports `resources` (files and directories), `namespace`, `labels` (pairs, includeSelectors false,
includeTemplates), `configMapGenerator` (files and literals) and `images`, and raises on anything else, so a new
field in the kustomization fails the tests instead of rendering differently. Two deliberate differences: generated
ConfigMaps keep their plain names (kustomize appends a content hash and rewrites the references to it), and a
generator file that is a symbolic link is followed (kustomize refuses links leading out of the directory:
k8s/clinic.yaml is such a link until a clinic replaces it with its own file). Where kubectl was at hand, its output
(`kubectl kustomize --load-restrictor LoadRestrictionsNone k8s`) matched this one object for object, hashes aside.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Document = dict[str, Any]
SUPPORTED = {"apiVersion", "kind", "namespace", "labels", "resources", "configMapGenerator", "images"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume",
                  "StorageClass", "PriorityClass"}  # fmt: skip
POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}


class Unsupported(Exception):
    """The kustomization uses a field this renderer does not implement."""


def documents(path: Path) -> list[Document]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def render(directory: Path) -> list[Document]:
    kustomization = documents(directory / "kustomization.yaml")[0]
    if unknown := set(kustomization) - SUPPORTED:
        raise Unsupported(f"{directory}/kustomization.yaml: {sorted(unknown)}")
    rendered: list[Document] = []
    for entry in kustomization.get("resources", []):
        path = directory / entry
        rendered += render(path) if path.is_dir() else documents(path)
    rendered += [_generated(directory, spec) for spec in kustomization.get("configMapGenerator", [])]
    rendered = copy.deepcopy(rendered)
    for doc in rendered:
        if (namespace := kustomization.get("namespace")) and doc["kind"] not in CLUSTER_SCOPED:
            doc["metadata"]["namespace"] = namespace
        for item in kustomization.get("labels", []):
            _label(doc, item)
        for image in kustomization.get("images", []):
            _retag(doc, image)
    return rendered


def _generated(directory: Path, spec: dict[str, Any]) -> Document:
    if unknown := set(spec) - {"name", "files", "literals"}:
        raise Unsupported(f"configMapGenerator {spec['name']}: {sorted(unknown)}")
    data = {Path(f).name: (directory / f).read_text() for f in spec.get("files", [])}
    data |= dict(literal.split("=", 1) for literal in spec.get("literals", []))
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": spec["name"]}, "data": data}


def _label(doc: Document, item: dict[str, Any]) -> None:
    if item.get("includeSelectors"):
        raise Unsupported("labels.includeSelectors: true")
    doc["metadata"].setdefault("labels", {}).update(item["pairs"])
    if item.get("includeTemplates") and doc["kind"] in POD_TEMPLATE_KINDS:
        doc["spec"]["template"]["metadata"].setdefault("labels", {}).update(item["pairs"])


def pod_spec(doc: Document) -> dict[str, Any] | None:
    return doc["spec"]["template"]["spec"] if doc["kind"] in POD_TEMPLATE_KINDS else None


def _retag(doc: Document, image: dict[str, str]) -> None:
    if (spec := pod_spec(doc)) is None:
        return
    for container in spec.get("containers", []) + spec.get("initContainers", []):
        name, _, tag = container["image"].partition(":")
        if name == image["name"]:
            container["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag)}".rstrip(":")
