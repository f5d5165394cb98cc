"""Docker Compose: production checks by default, every variable documented in .env.example, secrets per service."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from runtime.audit_signature import AuditSigner
from runtime.settings import SHIPPED_CLINIC_FILE, ConfigurationError
from tests.service_env import SETTINGS_OF, settings_in

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}, $NAME, and $$ for a literal dollar.
_VARIABLE = re.compile(r"\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}|\$(\w+)")
CLINIC_IN_CONTAINER = "/etc/camille/clinic.yaml"


class Unset(Exception):
    """A `${NAME:?error}` whose variable is unset or empty: `docker compose` stops with this error."""


SIGNER = AuditSigner.generate()


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Substitute variables in every string of a parsed Compose file, as `docker compose` does."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group() == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        operator, argument = match.group(2), match.group(3) or ""
        found = env.get(name)
        missing = found is None or (found == "" and operator is not None and operator.startswith(":"))
        if operator is not None and operator.endswith("?") and missing:
            raise Unset(f"{name}: {argument}")
        if operator is not None and operator.endswith("-") and missing:
            return argument
        return found or ""

    return _VARIABLE.sub(substitute, value)


def raw_compose(repo_root: Path) -> dict[str, Any]:
    return yaml.safe_load((repo_root / "compose.yaml").read_text())


def env_example(repo_root: Path) -> dict[str, str]:
    lines = (repo_root / ".env.example").read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return {name.strip(): value.strip() for name, value in pairs}


def filled(repo_root: Path, clinic: Path) -> dict[str, str]:
    """.env.example with every blank filled the way its comments say."""
    values = {
        "CAMILLE_CLINIC_YAML": str(clinic),
        "CAMILLE_JETSTREAM_KEY": "J" * 64,
        "POSTGRES_PASSWORD": "0a" * 24,
        "CAMILLE_AUDIT_DB_PASSWORD": "1b" * 24,
        "CAMILLE_SCHEDULING_DB_PASSWORD": "2c" * 24,
        "CAMILLE_WEBHOOK_SECRET": "whsec_" + "A" * 43 + "=",
        "LIVEKIT_URL": "wss://livekit.example.fr",
        "LIVEKIT_API_KEY": "APIkey",
        "LIVEKIT_API_SECRET": "L" * 40,
        "OPENAI_API_KEY": "sk-" + "x" * 40,
        "CAMILLE_IDENTITY_HASH_KEY": "h" * 44,
        "CAMILLE_AUDIT_SIGNING_KEY": SIGNER.signing_key_text(),
        "CAMILLE_AUDIT_VERIFY_KEYS": SIGNER.verify_key_text(),
    }
    return env_example(repo_root) | values


def camille_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose["services"].items() if s.get("image") == "camille:local"}


def container_environment(service: dict[str, Any]) -> dict[str, str]:
    """The service's environment, with the clinic path replaced by the host file mounted there."""
    environment = {key: str(value) for key, value in service["environment"].items()}
    for mount in service["volumes"]:
        source, _, target = mount.partition(":")
        if target.removesuffix(":ro") == environment.get("CAMILLE_CLINIC_FILE"):
            environment["CAMILLE_CLINIC_FILE"] = source
    return environment


@pytest.fixture
def own_clinic(tmp_path: Path) -> Path:
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text(SHIPPED_CLINIC_FILE.read_text().replace("+33 1 99 00 12 34", "+33 1 99 00 56 78"))
    return clinic


def test_env_example_lists_every_variable_compose_reads(repo_root: Path) -> None:
    """The variables compose.yaml substitutes are exactly the ones .env.example documents."""
    text = (repo_root / "compose.yaml").read_text()
    read = {m.group(1) or m.group(4) for m in _VARIABLE.finditer(text) if m.group() != "$$"}
    assert read == set(env_example(repo_root))


def test_compose_stops_without_the_required_secrets(repo_root: Path) -> None:
    """With an empty .env `docker compose` itself refuses: the JetStream key and database passwords are required."""
    with pytest.raises(Unset):
        interpolate(raw_compose(repo_root), {})
    with pytest.raises(Unset, match="CAMILLE_AUDIT_DB_PASSWORD"):
        interpolate(raw_compose(repo_root), filled(repo_root, SHIPPED_CLINIC_FILE) | {"CAMILLE_AUDIT_DB_PASSWORD": ""})


def test_every_service_runs_the_production_checks_and_passes_them_with_a_filled_env(
    repo_root: Path, own_clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CAMILLE_ENV defaults to production, and with .env filled in each service's settings are accepted."""
    compose = interpolate(raw_compose(repo_root), filled(repo_root, own_clinic))
    services = camille_services(compose)
    assert set(services) == {
        "scheduling-api",
        "tool-runner",
        "audit-keys",
        "audit-sink",
        "voice-worker",
        "phrases",
        "token-service",
    }
    for name, service in services.items():
        settings = settings_in(service["command"][0], container_environment(service), monkeypatch)
        assert settings.env == "production", name
    unset = {k: v for k, v in filled(repo_root, own_clinic).items() if k != "CAMILLE_ENV"}
    assert interpolate(raw_compose(repo_root), unset)["services"]["tool-runner"]["environment"]["CAMILLE_ENV"] == (
        "production"
    )


def test_the_shipped_clinic_mounted_by_default_is_refused(repo_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without CAMILLE_CLINIC_YAML Compose mounts the shipped example, and every service refuses to start on it."""
    env = {k: v for k, v in filled(repo_root, SHIPPED_CLINIC_FILE).items() if k != "CAMILLE_CLINIC_YAML"}
    compose = interpolate(raw_compose(repo_root), env)
    for name, service in camille_services(compose).items():
        if name == "token-service":  # it reads no clinic file: it only signs LiveKit tokens
            continue
        with pytest.raises(ConfigurationError, match="shipped example"):
            settings_in(service["command"][0], container_environment(service), monkeypatch)


def test_each_secret_reaches_only_the_services_that_use_it(repo_root: Path, own_clinic: Path) -> None:
    """Webhook secret: tool runner and scheduling API; audit database and key volume: audit sink; LiveKit and
    OpenAI keys: voice worker; the superuser password: PostgreSQL alone."""
    compose = interpolate(raw_compose(repo_root), filled(repo_root, own_clinic))
    holders: dict[str, set[str]] = {}
    for name, service in compose["services"].items():
        text = yaml.safe_dump({"environment": service.get("environment"), "volumes": service.get("volumes")})
        for secret, marker in {
            "webhook": "whsec_",
            "audit-db": "1b" * 24,
            "scheduling-db": "2c" * 24,
            "superuser": "0a" * 24,
            "audit-keys": "audit-keys:",
            "openai": "sk-",
            "livekit": "APIkey",
            "identity-hash": "h" * 44,
            "jetstream": "J" * 64,
            "audit-signing": SIGNER.signing_key_text(),
        }.items():
            if marker in text:
                holders.setdefault(secret, set()).add(name)
    assert holders == {
        "webhook": {"tool-runner", "scheduling-api"},
        "audit-db": {"audit-sink", "audit-keys"},
        "scheduling-db": {"scheduling-api"},
        "superuser": {"postgres"},
        "audit-keys": {"audit-sink", "audit-keys"},
        "openai": {"voice-worker", "phrases"},
        "livekit": {"voice-worker", "phrases", "token-service"},
        "identity-hash": {"voice-worker", "phrases"},
        "jetstream": {"nats"},
        "audit-signing": {"voice-worker", "phrases"},
    }


def test_the_audit_sink_waits_for_its_key_file(repo_root: Path) -> None:
    """The audit key file is created once by a one-shot service on a named volume before the sink starts."""
    services = raw_compose(repo_root)["services"]
    assert services["audit-keys"]["command"] == ["audit", "init-keys"]
    assert services["audit-sink"]["depends_on"]["audit-keys"] == {"condition": "service_completed_successfully"}
    key_file = services["audit-sink"]["environment"]["CAMILLE_AUDIT_KEY_FILE"]
    assert any(
        mount.startswith("audit-keys:") and key_file.startswith(mount.split(":")[1] + "/")
        for mount in services["audit-sink"]["volumes"]
    )
    assert "audit-keys" in raw_compose(repo_root)["volumes"]


def test_nats_reads_its_jetstream_key_from_its_own_environment(repo_root: Path, own_clinic: Path) -> None:
    """After Compose's substitution the NATS config still says `key: $JS_KEY`, which nats-server resolves itself."""
    compose = interpolate(raw_compose(repo_root), filled(repo_root, own_clinic))
    assert "key: $JS_KEY\n" in compose["configs"]["nats_conf"]["content"]
    assert compose["services"]["nats"]["environment"]["JS_KEY"] == "J" * 64


def test_settings_cover_every_camille_verb_compose_runs(repo_root: Path) -> None:
    """Each Camille container's verb is one whose settings these tests know how to check."""
    for service in camille_services(raw_compose(repo_root)).values():
        assert service["command"][0] in SETTINGS_OF
