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
    assert set(found) == {"tool-runner", "audit-sink", "voice-worker", "scheduling-api", "token-service"}
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
    nats_conf = (repo_root / compose["configs"]["nats_conf"]["file"]).read_text()
    assert "sync_interval: always" in nats_conf
    assert "cipher: chachapoly" in nats_conf
    values = yaml.safe_load((repo_root / "k8s" / "nats-values.yaml").read_text())
    assert values["config"]["jetstream"]["merge"]["sync_interval"] == "always"
    assert values["config"]["jetstream"]["merge"]["cipher"] == "chachapoly"
    assert values["config"]["cluster"]["replicas"] == 3


def test_compose_runs_every_service_from_one_image(repo_root: Path) -> None:
    """Compose runs the services with the camille image and NATS from the nats service, over TLS."""
    services = yaml.safe_load((repo_root / "compose.yaml").read_text())["services"]
    for name in ("tool-runner", "audit-sink", "voice-worker", "scheduling-api", "token-service"):
        assert services[name]["image"] == "camille:local"
        assert services[name]["environment"]["NATS_URL"] == "tls://nats:4222"


def test_reference_api_listens_beyond_loopback_in_containers(repo_root: Path) -> None:
    """In Compose and on Kubernetes the scheduling API binds all interfaces, so the tool runner can reach it."""
    services = yaml.safe_load((repo_root / "compose.yaml").read_text())["services"]
    assert services["scheduling-api"]["environment"]["CAMILLE_REFERENCE_HOST"] == "0.0.0.0"
    [container] = deployments(repo_root)["scheduling-api"]["spec"]["template"]["spec"]["containers"]
    assert container["args"][container["args"].index("--host") + 1] == "0.0.0.0"


def compose_services(repo_root: Path) -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = yaml.safe_load((repo_root / "compose.yaml").read_text())["services"]
    return services


def published(service: dict[str, Any]) -> dict[str, str]:
    """container port (with /udp) -> host address:port, from the short port syntax."""
    found = {}
    for entry in service.get("ports", []):
        host_ip, host_port, container = entry.split(":")
        found[container] = f"{host_ip}:{host_port}"
    return found


def test_compose_voice_profile_runs_a_dev_livekit_on_loopback(repo_root: Path) -> None:
    """The voice profile runs the official LiveKit image, pinned, in --dev mode, reachable from this machine only,
    announcing the loopback address that its published media ports answer on."""
    livekit = compose_services(repo_root)["livekit"]
    image, _, tag = livekit["image"].partition(":")
    assert image == "livekit/livekit-server" and tag.startswith("v") and tag != "latest"
    command = livekit["command"]
    assert "--dev" in command and command[command.index("--bind") + 1] == "0.0.0.0"
    assert command[command.index("--node-ip") + 1] == "127.0.0.1"
    udp_port = command[command.index("--udp-port") + 1]
    ports = published(livekit)
    assert ports == {"7880": "127.0.0.1:7880", "7881": "127.0.0.1:7881", f"{udp_port}/udp": f"127.0.0.1:{udp_port}"}
    assert livekit["profiles"] == ["voice"]


def test_compose_token_service_and_worker_use_that_livekit(repo_root: Path) -> None:
    """The page's tokens name the published LiveKit port with the --dev key, the worker shares LiveKit's network (so
    the announced 127.0.0.1 is LiveKit for it too) and waits for the rendered phrases."""
    services = compose_services(repo_root)
    web, worker = services["token-service"], services["voice-worker"]
    assert web["command"][:1] == ["token-service"] and web["command"][web["command"].index("--host") + 1] == "0.0.0.0"
    assert published(web) == {"8780": "127.0.0.1:8780"}
    assert (
        web["environment"]["LIVEKIT_URL"]
        == worker["environment"]["LIVEKIT_URL"]
        == "${LIVEKIT_URL:-ws://127.0.0.1:7880}"
    )
    for service in (web, worker):
        assert service["environment"]["LIVEKIT_API_KEY"] == "${LIVEKIT_API_KEY:-devkey}"
        assert service["environment"]["LIVEKIT_API_SECRET"] == "${LIVEKIT_API_SECRET:-secret}"
        assert service["profiles"] == ["voice"]
    assert worker["network_mode"] == "service:livekit"
    assert worker["depends_on"]["phrases"]["condition"] == "service_completed_successfully"
    phrases = services["phrases"]
    assert phrases["command"] == ["phrases", "render"]
    assert phrases["environment"]["CAMILLE_PHRASE_CACHE_DIR"] == worker["environment"]["CAMILLE_PHRASE_CACHE_DIR"]
    assert "phrases:/var/lib/camille/phrases" in phrases["volumes"]
    assert "phrases:/var/lib/camille/phrases" in worker["volumes"]


def test_token_service_deployment_is_probed_and_reached_from_the_ingress_only(repo_root: Path) -> None:
    """On Kubernetes the token service has health probes on its port, a Service, and a policy admitting the
    ingress controller, the only peer whose X-Forwarded-For it trusts."""
    deployment = deployments(repo_root)["token-service"]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    args = container["args"]
    port = int(args[args.index("--port") + 1])
    assert args[args.index("--host") + 1] == "0.0.0.0"
    assert container["ports"] == [{"name": "http", "containerPort": port}]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}
    docs = documents(repo_root / "k8s" / "token-service.yaml") + documents(repo_root / "k8s" / "network-policy.yaml")
    [service] = [d for d in docs if d["kind"] == "Service"]
    assert service["spec"]["ports"][0]["port"] == port
    [policy] = [
        d for d in docs if d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "token-service-from-ingress"
    ]
    [rule] = policy["spec"]["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": port}] and "namespaceSelector" in rule["from"][0]


METERED = ("tool-runner", "audit-sink", "voice-worker")


def test_compose_monitoring_profile_scrapes_every_service(repo_root: Path) -> None:
    """`--profile monitoring` adds the official Prometheus and Grafana images, provisioned from monitoring/, and
    Prometheus scrapes each service on the metrics port it listens on in containers."""
    from runtime.settings import DEFAULT_METRICS_PORT

    compose = yaml.safe_load((repo_root / "compose.yaml").read_text())
    services = compose["services"]
    assert services["prometheus"]["image"].startswith("prom/prometheus:")
    assert services["grafana"]["image"].startswith("grafana/grafana:")
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["monitoring"]
        for volume in services[name]["volumes"]:
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (repo_root / source).exists(), source
    for name in METERED:
        assert services[name]["environment"]["CAMILLE_METRICS_HOST"] == "0.0.0.0"
    scrape = yaml.safe_load((repo_root / "monitoring" / "prometheus" / "prometheus.yml").read_text())
    targets = {
        name: sd["port"] for job in scrape["scrape_configs"] for sd in job["dns_sd_configs"] for name in sd["names"]
    }
    assert targets == dict.fromkeys(METERED, DEFAULT_METRICS_PORT)


def test_every_metered_deployment_has_a_named_metrics_port(repo_root: Path) -> None:
    """On Kubernetes each service exposes a port named `metrics` with scrape annotations, listens beyond loopback,
    and the monitoring namespace may reach that port."""
    from runtime.settings import DEFAULT_METRICS_PORT

    found = deployments(repo_root)
    for name in METERED:
        template = found[name]["spec"]["template"]
        [container] = template["spec"]["containers"]
        assert {"name": "metrics", "containerPort": DEFAULT_METRICS_PORT} in container["ports"], name
        assert template["metadata"]["annotations"]["prometheus.io/port"] == str(DEFAULT_METRICS_PORT), name
    [kustomization] = documents(repo_root / "k8s" / "kustomization.yaml")
    [env] = [gen for gen in kustomization["configMapGenerator"] if gen["name"] == "camille-env"]
    assert "CAMILLE_METRICS_HOST=0.0.0.0" in env["literals"]
    [policy] = documents(repo_root / "k8s" / "metrics-network-policy.yaml")
    [selector] = policy["spec"]["podSelector"]["matchExpressions"]
    assert set(selector["values"]) == set(METERED)
    assert policy["spec"]["ingress"][0]["ports"] == [{"protocol": "TCP", "port": DEFAULT_METRICS_PORT}]


def test_the_per_call_state_is_replicated_on_every_nats_node(repo_root: Path) -> None:
    """Kubernetes creates the call-state bucket with three replicas, as many as the NATS cluster has."""
    [kustomization] = documents(repo_root / "k8s" / "kustomization.yaml")
    [env] = [g for g in kustomization["configMapGenerator"] if g["name"] == "camille-env"]
    assert "CAMILLE_CALL_STATE_REPLICAS=3" in env["literals"]
    [values] = documents(repo_root / "k8s" / "nats-values.yaml")
    assert values["config"]["cluster"]["replicas"] == 3
