"""Kubernetes: every manifest validates against the API's schemas, the NetworkPolicies select the pods they mean and
allow only the connections each service needs, and each Secret reaches only its own service."""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest

from contracts.subjects import AUDIT_CONSUMER, AUDIT_STREAM
from runtime.audit_signature import AuditSigner
from runtime.settings import SHIPPED_CLINIC_FILE, ConfigurationError
from tests.kustomize import Document, documents, pod_spec, render
from tests.netpol import Address, Pod, allowed, selects
from tests.service_env import settings_in

# The Kubernetes version the manifests are written for; kubernetes-validate ships its OpenAPI schemas.
KUBERNETES_VERSION = "1.33.0"
KEDA_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "keda-scaledobject.schema.json"
SERVICES = ("voice-worker", "tool-runner", "audit-sink", "scheduling-api", "token-service")
NATS_CLIENTS = {"voice-worker", "tool-runner", "audit-sink"}


@pytest.fixture(scope="module")
def k8s(repo_root: Path) -> Path:
    return repo_root / "k8s"


@pytest.fixture(scope="module")
def rendered(k8s: Path) -> list[Document]:
    return render(k8s)


@pytest.fixture(scope="module")
def addons(k8s: Path) -> list[Document]:
    """The optional KEDA add-on (k8s/keda/), applied with `kubectl apply -f` beside the kustomization."""
    return [doc for path in sorted((k8s / "keda").glob("*.yaml")) for doc in documents(path)]


@pytest.fixture(scope="module")
def secrets(k8s: Path) -> dict[str, Document]:
    return {doc["metadata"]["name"]: doc for doc in documents(k8s / "secret.example.yaml")}


def of_kind(docs: list[Document], kind: str) -> dict[str, Document]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def test_every_manifest_validates_against_the_kubernetes_schemas(
    rendered: list[Document], addons: list[Document], secrets: dict[str, Document]
) -> None:
    """The rendered kustomization, the Secret examples and the KEDA add-on all pass strict schema validation."""
    keda = json.loads(KEDA_SCHEMA.read_text())
    checked = []
    for doc in [*rendered, *secrets.values(), *addons]:
        if doc["apiVersion"].startswith("keda.sh/"):  # a CRD: KEDA's fields, from a schema kept in tests/data
            jsonschema.validate(doc, keda)
        else:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        checked.append((doc["kind"], doc["metadata"]["name"]))
    assert {kind for kind, _ in checked} >= {"Deployment", "NetworkPolicy", "Secret", "ScaledObject", "ConfigMap"}


@pytest.mark.parametrize(
    ("broken", "where"),
    [
        (lambda d: d["spec"]["template"]["spec"]["containers"][0].update(envFrom="audit-sink"), "Deployment"),
        (lambda d: d["spec"].update(podSelectr={}), "NetworkPolicy"),
        (lambda d: d["spec"]["triggers"][0]["metadata"].update(lagThreshold=2000), "ScaledObject"),
    ],
    ids=["wrong-type", "misspelt-field", "number-in-keda-metadata"],
)
def test_schema_validation_catches_a_broken_manifest(
    rendered: list[Document], addons: list[Document], broken: Any, where: str
) -> None:
    """A wrong type, a misspelt field or a number where KEDA wants a string fails validation."""
    doc = json.loads(json.dumps(next(d for d in [*rendered, *addons] if d["kind"] == where)))
    broken(doc)
    with pytest.raises(jsonschema.ValidationError):
        if where == "ScaledObject":
            jsonschema.validate(doc, json.loads(KEDA_SCHEMA.read_text()))
        else:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_kustomization_renders_into_the_namespace_with_the_release_image(rendered: list[Document]) -> None:
    """Every namespaced object lands in camille, carries part-of: camille, and runs the tagged registry image."""
    for doc in rendered:
        assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "camille"
        assert doc["metadata"].get("namespace") == (None if doc["kind"] == "Namespace" else "camille")
        if (spec := pod_spec(doc)) is not None:
            assert [c["image"] for c in spec["containers"]] == ["registry.example.ch/camille:0.1.0"]


# Pods the policies must tell apart: Camille's (from the rendered Deployments), the NATS chart's servers and its
# nats-box, an in-namespace PostgreSQL, the cluster DNS, KEDA's operator, and a look-alike in another namespace.
OTHER_PODS = [
    Pod("nats-0", {"app.kubernetes.io/name": "nats", "app.kubernetes.io/instance": "nats",
                   "app.kubernetes.io/component": "nats"}),
    Pod("nats-1", {"app.kubernetes.io/name": "nats", "app.kubernetes.io/instance": "nats",
                   "app.kubernetes.io/component": "nats"}),
    Pod("nats-box", {"app.kubernetes.io/name": "nats", "app.kubernetes.io/instance": "nats",
                     "app.kubernetes.io/component": "nats-box"}),
    Pod("postgresql", {"app.kubernetes.io/name": "postgresql"}),
    Pod("kube-dns", {"k8s-app": "kube-dns"}, namespace="kube-system"),
    Pod("keda-operator", {"app": "keda-operator"}, namespace="keda"),
    Pod("prometheus", {"app.kubernetes.io/name": "prometheus"}, namespace="monitoring"),
    Pod("look-alike", {"app.kubernetes.io/name": "audit-sink", "app.kubernetes.io/part-of": "camille"},
        namespace="default"),
]  # fmt: skip
IN_NAMESPACE = {*SERVICES, "nats-0", "nats-1", "nats-box", "postgresql"}
WEBHOOK_HOST = Address("203.0.113.10")
OUTSIDE_DATABASE = Address("198.51.100.7")
OPENAI = Address("162.159.140.245")
CLOUD_METADATA = Address("169.254.169.254")
PRIVATE = Address("10.1.2.3")


@pytest.fixture(scope="module")
def pods(rendered: list[Document]) -> dict[str, Pod]:
    camille = {
        name: Pod(name, deployment["spec"]["template"]["metadata"]["labels"])
        for name, deployment in of_kind(rendered, "Deployment").items()
    }
    assert set(camille) == set(SERVICES)
    return camille | {pod.name: pod for pod in OTHER_PODS}


@pytest.fixture(scope="module")
def policies(rendered: list[Document], addons: list[Document]) -> list[Document]:
    return [doc for doc in [*rendered, *addons] if doc["kind"] == "NetworkPolicy"]


def test_each_policy_selects_the_pods_it_means(policies: list[Document], pods: dict[str, Pod]) -> None:
    """Each NetworkPolicy's podSelector picks exactly its pods, in the namespace, from the labels they really carry."""
    selected = {
        policy["metadata"]["name"]: {
            pod.name for pod in pods.values()
            if pod.namespace == policy["metadata"]["namespace"] and selects(policy["spec"]["podSelector"], pod.labels)
        }
        for policy in policies
    }  # fmt: skip
    assert selected == {
        "default-deny": IN_NAMESPACE,
        "dns": IN_NAMESPACE,
        "nats": {"nats-0", "nats-1"},
        "voice-worker": {"voice-worker"},
        "tool-runner": {"tool-runner"},
        "audit-sink": {"audit-sink"},
        "scheduling-api": {"scheduling-api"},
        "postgresql": {"postgresql"},
        "nats-monitoring-from-keda": {"nats-0", "nats-1"},
        "token-service-from-ingress": {"token-service"},
        "metrics-from-monitoring": {"voice-worker", "tool-runner", "audit-sink"},
    }


# (source, destination, port, protocol, allowed): what each service needs, and what it must not reach.
CONNECTIONS: list[tuple[str, str | Address, int, str, bool]] = [
    *[(service, "kube-dns", 53, "UDP", True) for service in SERVICES],
    *[(service, "nats-0", 4222, "TCP", service in NATS_CLIENTS) for service in SERVICES],
    ("nats-box", "nats-0", 4222, "TCP", False),
    ("look-alike", "nats-0", 4222, "TCP", False),
    ("nats-0", "nats-1", 6222, "TCP", True),
    ("voice-worker", "nats-0", 6222, "TCP", False),
    *[(service, WEBHOOK_HOST, 443, "TCP", service == "tool-runner") for service in SERVICES],
    ("tool-runner", OPENAI, 443, "TCP", False),
    ("tool-runner", "scheduling-api", 8765, "TCP", True),
    ("voice-worker", "scheduling-api", 8765, "TCP", False),
    ("audit-sink", "scheduling-api", 8765, "TCP", False),
    *[(service, OPENAI, 443, "TCP", service == "voice-worker") for service in SERVICES],
    ("voice-worker", OPENAI, 7881, "TCP", True),
    ("voice-worker", OPENAI, 55000, "UDP", True),
    ("voice-worker", OPENAI, 22, "TCP", False),
    ("voice-worker", CLOUD_METADATA, 443, "TCP", False),
    ("voice-worker", PRIVATE, 443, "TCP", False),
    *[(service, "postgresql", 5432, "TCP", service in {"audit-sink", "scheduling-api"}) for service in SERVICES],
    *[(service, OUTSIDE_DATABASE, 5432, "TCP", service in {"audit-sink", "scheduling-api"}) for service in SERVICES],
    ("keda-operator", "nats-0", 8222, "TCP", True),
    ("look-alike", "nats-0", 8222, "TCP", False),
    ("tool-runner", "voice-worker", 8080, "TCP", False),
    ("voice-worker", "audit-sink", 8080, "TCP", False),
    ("look-alike", "scheduling-api", 8765, "TCP", False),
    *[("prometheus", service, 9464, "TCP", service in NATS_CLIENTS) for service in SERVICES],
    ("prometheus", "tool-runner", 8765, "TCP", False),
    ("look-alike", "audit-sink", 9464, "TCP", False),
]


@pytest.mark.parametrize(("source", "target", "port", "protocol", "expected"), CONNECTIONS)
def test_only_the_connections_each_service_needs_are_allowed(
    policies: list[Document],
    pods: dict[str, Pod],
    source: str,
    target: str | Address,
    port: int,
    protocol: str,
    expected: bool,
) -> None:
    """Webhooks only from the tool runner, LiveKit and OpenAI only from the voice worker, databases only from the
    audit sink and the scheduling API, NATS from the services that use it, DNS for all, nothing else."""
    destination = pods[target] if isinstance(target, str) else target
    assert allowed(policies, pods[source], destination, port, protocol) is expected


def test_without_the_keda_addon_nothing_reaches_the_nats_monitoring_port(
    rendered: list[Document], pods: dict[str, Pod]
) -> None:
    """The monitoring port opens to KEDA's operator only with the add-on applied."""
    base = [doc for doc in rendered if doc["kind"] == "NetworkPolicy"]
    assert not allowed(base, pods["keda-operator"], pods["nats-0"], 8222)


def test_the_voice_worker_cannot_reach_any_webhook_host_the_tool_runner_may(policies: list[Document]) -> None:
    """Every HTTPS range opened to the tool runner is excepted from the voice worker's internet rule."""
    by_name = {p["metadata"]["name"]: p for p in policies}
    webhook_ranges = [
        peer["ipBlock"]["cidr"] for rule in by_name["tool-runner"]["spec"]["egress"] for peer in rule["to"]
        if "ipBlock" in peer
    ]  # fmt: skip
    internet = [
        peer["ipBlock"] for rule in by_name["voice-worker"]["spec"]["egress"] for peer in rule["to"]
        if "ipBlock" in peer
    ]  # fmt: skip
    assert webhook_ranges
    for cidr in webhook_ranges:
        network = ipaddress.ip_network(cidr)
        for block in internet:
            if network.overlaps(ipaddress.ip_network(block["cidr"])):
                assert any(network.subnet_of(ipaddress.ip_network(e)) for e in block.get("except", [])), cidr


def secret_names(deployment: Document) -> set[str]:
    """Every Secret a Deployment's pods read: envFrom, env valueFrom, and volumes (direct or projected)."""
    spec = deployment["spec"]["template"]["spec"]
    names = set()
    for container in spec["containers"] + spec.get("initContainers", []):
        names |= {e["secretRef"]["name"] for e in container.get("envFrom", []) if "secretRef" in e}
        names |= {
            e["valueFrom"]["secretKeyRef"]["name"] for e in container.get("env", [])
            if "secretKeyRef" in e.get("valueFrom", {})
        }  # fmt: skip
    for volume in spec.get("volumes", []):
        if "secret" in volume:
            names.add(volume["secret"]["secretName"])
        names |= {s["secret"]["name"] for s in volume.get("projected", {}).get("sources", []) if "secret" in s}
    return names


def test_each_deployment_reads_only_its_own_secrets(rendered: list[Document], secrets: dict[str, Document]) -> None:
    """Each service reads its own Secret, and a NATS client its own NATS identity too; every one of them exists."""
    read = {name: secret_names(deployment) for name, deployment in of_kind(rendered, "Deployment").items()}
    assert read == {
        service: {service} | ({f"{service}-nats"} if service in NATS_CLIENTS else set()) for service in SERVICES
    }
    assert set().union(*read.values()) <= set(secrets)


def test_each_nats_client_reads_its_seed_and_the_ca_from_files_it_alone_mounts(rendered: list[Document]) -> None:
    """CAMILLE_NATS_CREDS_FILE and CAMILLE_NATS_CA_FILE name the two files of the service's own NATS Secret, mounted
    read-only, readable by the pod's group only; NATS_URL asks for TLS."""
    config = of_kind(rendered, "ConfigMap")["camille-env"]["data"]
    assert config["NATS_URL"].startswith("tls://")
    for name, deployment in of_kind(rendered, "Deployment").items():
        spec = deployment["spec"]["template"]["spec"]
        [container] = spec["containers"]
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        if name not in NATS_CLIENTS:
            assert "CAMILLE_NATS_CREDS_FILE" not in env, name
            continue
        volumes = {v["name"]: v for v in spec["volumes"]}
        mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
        for variable, key in (("CAMILLE_NATS_CREDS_FILE", "nats.nk"), ("CAMILLE_NATS_CA_FILE", "ca.crt")):
            directory, file = env[variable].rsplit("/", 1)
            mount = mounts[directory]
            assert file == key and mount["readOnly"] is True, name
            secret = volumes[mount["name"]]["secret"]
            assert secret["secretName"] == f"{name}-nats"
            assert secret["defaultMode"] == 0o440 and spec["securityContext"]["fsGroup"] == 10001


def nats_conf_permissions(text: str) -> dict[str, dict[str, Any]]:
    """The users of nats-server/nats.conf: public-key variable -> publish, subscribe and allow_responses."""
    users = {}
    for block in re.split(r"\n\s*nkey: \$", text)[1:]:
        variable = block.split("\n", 1)[0].strip()
        rules: dict[str, Any] = {}
        for direction in ("publish", "subscribe"):
            found = re.search(direction + r": \{\s*(allow|deny): \[(.*?)\]", block, re.S)
            assert found, (variable, direction)
            rules[direction] = {found.group(1): re.findall(r'"([^"]+)"', found.group(2))}
        responses = re.search(r"allow_responses: \{ max: (\d+) \}", block)
        rules["allow_responses"] = {"max": int(responses.group(1))} if responses else None
        users[variable] = rules
    return users


def test_kubernetes_nats_grants_each_identity_what_compose_does(k8s: Path, secrets: dict[str, Document]) -> None:
    """The Helm values list the four NKEY users with exactly the permissions of nats-server/nats.conf (which the
    integration tests run on a real server), take the public keys from nats-identities, and require TLS."""
    from camille.secrets import NATS_IDENTITIES, nkey_variable

    [values] = documents(k8s / "nats-values.yaml")
    compose = nats_conf_permissions((k8s.parent / "nats-server" / "nats.conf").read_text())
    helm = {}
    for user in values["config"]["merge"]["authorization"]["users"]:
        variable = re.fullmatch(r"<< \$(\w+) >>", user["nkey"])
        assert variable, user["nkey"]
        permissions = user["permissions"]
        helm[variable.group(1)] = {
            "publish": permissions["publish"],
            "subscribe": permissions["subscribe"],
            "allow_responses": permissions.get("allow_responses"),
        }
    assert helm == compose
    assert set(helm) == {nkey_variable(identity) for identity in NATS_IDENTITIES}
    env = values["container"]["env"]
    for identity in NATS_IDENTITIES:
        assert env[nkey_variable(identity)]["valueFrom"]["secretKeyRef"] == {"name": "nats-identities", "key": identity}
        assert identity in secrets["nats-identities"]["stringData"]
    assert values["config"]["nats"]["tls"] == {"enabled": True, "secretName": "nats-server-tls"}
    assert values["config"]["cluster"]["tls"]["enabled"] is True


# Which Secrets may hold each key: the audit keys and database only the audit sink's, LiveKit and OpenAI only the
# voice worker's (LiveKit's also the token service's), the webhook secret only the tool runner's and the scheduling
# API's.
KEY_HOLDERS = {
    "CAMILLE_AUDIT_MASTER_KEY": {"audit-sink"},
    "CAMILLE_AUDIT_DB_URL": {"audit-sink"},
    "CAMILLE_AUDIT_INDEX_KEY": {"audit-sink"},
    "LIVEKIT_URL": {"voice-worker", "token-service"},
    "LIVEKIT_API_KEY": {"voice-worker", "token-service"},
    "LIVEKIT_API_SECRET": {"voice-worker", "token-service"},
    "OPENAI_API_KEY": {"voice-worker"},
    "CAMILLE_IDENTITY_HASH_KEY": {"voice-worker"},
    "CAMILLE_AUDIT_SIGNING_KEY": {"voice-worker"},  # the sink holds only the public half: it cannot forge events
    "CAMILLE_AUDIT_VERIFY_KEYS": {"audit-sink"},
    "CAMILLE_WEBHOOK_SECRET": {"tool-runner", "scheduling-api"},
    "CAMILLE_REFERENCE_DB_URL": {"scheduling-api"},
    "key": {"camille-jetstream"},
    # NATS identities: each client's seed in its own Secret, mounted as a file; the public keys for the servers.
    "nats.nk": {f"{identity}-nats" for identity in (*NATS_CLIENTS, "audit-replay", "alert-reader")},
    "ca.crt": {f"{identity}-nats" for identity in (*NATS_CLIENTS, "audit-replay", "alert-reader")},
    "voice-worker": {"nats-identities"},
    "tool-runner": {"nats-identities"},
    "audit-sink": {"nats-identities"},
    "audit-replay": {"nats-identities"},
    "alert-reader": {"nats-identities"},
}


def test_each_key_lives_only_in_the_secrets_allowed_to_hold_it(secrets: dict[str, Document]) -> None:
    """No Secret holds a key outside its service, and every key the examples hold is accounted for."""
    holders: dict[str, set[str]] = {}
    for name, secret in secrets.items():
        for key in secret["stringData"]:
            holders.setdefault(key, set()).add(name)
    assert set(holders) <= set(KEY_HOLDERS), set(holders) - set(KEY_HOLDERS)
    for key, found in holders.items():
        assert found <= KEY_HOLDERS[key], (key, found)
    assert holders["CAMILLE_WEBHOOK_SECRET"] == {"tool-runner", "scheduling-api"}


SIGNER = AuditSigner.generate()
FILLED = {  # the blanks of secret.example.yaml, filled as its comments say
    "CAMILLE_AUDIT_MASTER_KEY": "k2026a:" + base64.b64encode(bytes(range(32))).decode(),
    "LIVEKIT_API_KEY": "APIkey",
    "LIVEKIT_API_SECRET": "L" * 40,
    "OPENAI_API_KEY": "sk-" + "x" * 40,
    "CAMILLE_IDENTITY_HASH_KEY": "h" * 44,
    "CAMILLE_WEBHOOK_SECRET": "whsec_" + "A" * 43 + "=",
    "key": "J" * 64,
    "CAMILLE_AUDIT_SIGNING_KEY": SIGNER.signing_key_text(),
    "CAMILLE_AUDIT_VERIFY_KEYS": SIGNER.verify_key_text(),
}


def container_env(deployment: Document, rendered: list[Document], secrets: dict[str, Document]) -> dict[str, str]:
    """The environment of the Deployment's container: its ConfigMaps, its Secret (filled in), its own env."""
    config_maps = of_kind(rendered, "ConfigMap")
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env |= config_maps[source["configMapRef"]["name"]]["data"]
        else:
            data = secrets[source["secretRef"]["name"]]["stringData"]
            env |= {key: value or FILLED[key] for key, value in data.items()}
    env |= {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}
    return env


def mounted_clinic(deployment: Document, rendered: list[Document], path: str) -> str:
    """The content of the file at `path` in the container, from the ConfigMap volume mounted there."""
    spec = deployment["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    for mount in spec["containers"][0]["volumeMounts"]:
        if path.startswith(mount["mountPath"].rstrip("/") + "/") and "configMap" in volumes[mount["name"]]:
            config_map = of_kind(rendered, "ConfigMap")[volumes[mount["name"]]["configMap"]["name"]]
            return str(config_map["data"][path.rsplit("/", 1)[1]])
    raise AssertionError(f"nothing mounted at {path}")


@pytest.mark.parametrize("service", SERVICES)
def test_each_deployment_has_what_its_production_checks_need(
    service: str,
    rendered: list[Document],
    secrets: dict[str, Document],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With its Secret filled in and the clinic's own file, each service's production checks pass; with the shipped
    example clinic (what k8s/clinic.yaml links to) they refuse."""
    deployment = of_kind(rendered, "Deployment")[service]
    env = container_env(deployment, rendered, secrets)
    assert env["CAMILLE_ENV"] == "production"
    if service in NATS_CLIENTS:  # the files of its NATS Secret, as `camille secrets` makes them
        from camille.secrets import CA_CERT, write_local_secrets
        from runtime.identities import seed_file

        write_local_secrets(tmp_path / "nats")
        env["CAMILLE_NATS_CREDS_FILE"] = str(seed_file(tmp_path / "nats", service))
        env["CAMILLE_NATS_CA_FILE"] = str(tmp_path / "nats" / CA_CERT)
    verb = deployment["spec"]["template"]["spec"]["containers"][0]["args"][0]
    if service == "token-service":  # it reads no clinic file: it only signs LiveKit tokens
        assert settings_in(verb, env, monkeypatch).env == "production"
        return
    shipped = mounted_clinic(deployment, rendered, env["CAMILLE_CLINIC_FILE"])
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text(shipped)
    with pytest.raises(ConfigurationError, match="shipped example"):
        settings_in(verb, env | {"CAMILLE_CLINIC_FILE": str(clinic)}, monkeypatch)
    clinic.write_text(SHIPPED_CLINIC_FILE.read_text().replace("+33 1 99 00 12 34", "+33 1 99 00 56 78"))
    assert settings_in(verb, env | {"CAMILLE_CLINIC_FILE": str(clinic)}, monkeypatch).env == "production"


def test_keda_scales_the_audit_sink_on_its_own_consumer(addons: list[Document], rendered: list[Document]) -> None:
    """The ScaledObject targets the audit-sink Deployment, on the audit stream's durable consumer, never below one."""
    [scaled] = of_kind(addons, "ScaledObject").values()
    spec = scaled["spec"]
    assert spec["scaleTargetRef"]["name"] in of_kind(rendered, "Deployment")
    assert spec["scaleTargetRef"]["name"] == "audit-sink"
    assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
    [trigger] = spec["triggers"]
    assert trigger["type"] == "nats-jetstream"
    assert (trigger["metadata"]["stream"], trigger["metadata"]["consumer"]) == (AUDIT_STREAM, AUDIT_CONSUMER)
    assert trigger["metadata"]["natsServerMonitoringEndpoint"].endswith(":8222")
    assert scaled["metadata"]["namespace"] == "camille"


def test_the_deployment_permissions_are_the_services_own_table(k8s: Path) -> None:
    """nats-server/nats.conf (and so the Helm values) grant each identity what the services' own table says, where
    the code has one (runtime.identities, which configures the embedded server of the tests and demo)."""
    identities = pytest.importorskip("runtime.identities")
    from camille.secrets import NATS_IDENTITIES, nkey_variable

    deployed = nats_conf_permissions((k8s.parent / "nats-server" / "nats.conf").read_text())
    assert {identity.value for identity in identities.Identity} == set(NATS_IDENTITIES)
    for identity in identities.Identity:
        block = identities.permissions(identity).server_block()
        if block["publish"] == {"allow": []}:  # an empty allow list denies nothing in nats-server
            block["publish"] = {"deny": [">"]}
        expected = {**block, "allow_responses": block.get("allow_responses")}
        assert deployed[nkey_variable(identity.value)] == expected, identity
