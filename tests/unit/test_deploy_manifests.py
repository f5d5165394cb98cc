"""Deployment manifests keep the properties the brief depends on: non-root, bounded, drained, durable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def deployments(repo_root: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for path in (repo_root / "k8s").glob("*.yaml"):
        for doc in documents(path):
            if doc.get("kind") == "Deployment":
                found[doc["metadata"]["name"]] = doc
    return found


def test_every_service_has_a_hardened_deployment(repo_root: Path) -> None:
    """Each service runs non-root with a read-only root filesystem and memory limits."""
    found = deployments(repo_root)
    assert set(found) == {"tool-runner", "audit-sink", "voice-worker", "scheduling-api"}
    for name, deployment in found.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        [container] = pod["containers"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
        assert container["resources"]["limits"]["memory"], name


def test_voice_worker_drains_longer_than_a_realtime_session(repo_root: Path) -> None:
    """Live calls (capped at 20 minutes by the realtime session) finish before the pod is killed."""
    pod = deployments(repo_root)["voice-worker"]["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] >= 20 * 60


def test_kustomization_lists_every_manifest(repo_root: Path) -> None:
    """Every manifest file is part of the kustomization, and every listed file exists."""
    [kustomization] = documents(repo_root / "k8s" / "kustomization.yaml")
    listed = set(kustomization["resources"])
    on_disk = {p.name for p in (repo_root / "k8s").glob("*.yaml")} - {
        "kustomization.yaml",
        "nats-values.yaml",
        "secret.example.yaml",
        "clinic.yaml",
    }
    assert listed == on_disk
    assert (repo_root / "k8s" / "clinic.yaml").resolve().is_file()


def test_jetstream_fsyncs_every_write_everywhere(repo_root: Path) -> None:
    """Compose and Helm run JetStream with sync_interval: always, encrypted at rest (and 3 replicas on Kubernetes)."""
    compose = yaml.safe_load((repo_root / "compose.yaml").read_text())
    assert "sync_interval: always" in compose["configs"]["nats_conf"]["content"]
    assert "cipher: chachapoly" in compose["configs"]["nats_conf"]["content"]
    values = yaml.safe_load((repo_root / "k8s" / "nats-values.yaml").read_text())
    assert values["config"]["jetstream"]["merge"]["sync_interval"] == "always"
    assert values["config"]["jetstream"]["merge"]["cipher"] == "chachapoly"
    assert values["config"]["cluster"]["replicas"] == 3


def test_compose_runs_every_service_from_one_image(repo_root: Path) -> None:
    """Compose runs the four services with the camille image and NATS from the nats service."""
    services = yaml.safe_load((repo_root / "compose.yaml").read_text())["services"]
    for name in ("tool-runner", "audit-sink", "voice-worker", "scheduling-api"):
        assert services[name]["image"] == "camille:local"
        assert services[name]["environment"]["NATS_URL"] == "nats://nats:4222"


def test_reference_api_listens_beyond_loopback_in_containers(repo_root: Path) -> None:
    """In Compose and on Kubernetes the scheduling API binds all interfaces, so the tool runner can reach it."""
    services = yaml.safe_load((repo_root / "compose.yaml").read_text())["services"]
    assert services["scheduling-api"]["environment"]["CAMILLE_REFERENCE_HOST"] == "0.0.0.0"
    [container] = deployments(repo_root)["scheduling-api"]["spec"]["template"]["spec"]["containers"]
    assert container["args"][container["args"].index("--host") + 1] == "0.0.0.0"


def test_the_per_call_state_is_replicated_on_every_nats_node(repo_root: Path) -> None:
    """Kubernetes creates the call-state bucket with three replicas, as many as the NATS cluster has."""
    [kustomization] = documents(repo_root / "k8s" / "kustomization.yaml")
    [env] = [g for g in kustomization["configMapGenerator"] if g["name"] == "camille-env"]
    assert "CAMILLE_CALL_STATE_REPLICAS=3" in env["literals"]
    [values] = documents(repo_root / "k8s" / "nats-values.yaml")
    assert values["config"]["cluster"]["replicas"] == 3
