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
REPO_ROOT = Path(__file__).resolve().parents[2]


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


def container_environment(service: dict[str, Any], secret_files: Path | None = None) -> dict[str, str]:
    """The service's environment, with the clinic path replaced by the host file mounted there, and each path under
    /run/secrets by the file `camille secrets` made in `secret_files` (the files Compose mounts there)."""
    environment = {key: str(value) for key, value in service["environment"].items()}
    for mount in service["volumes"]:
        source, _, target = mount.partition(":")
        if target.removesuffix(":ro") == environment.get("CAMILLE_CLINIC_FILE"):
            environment["CAMILLE_CLINIC_FILE"] = source
    if secret_files is not None:
        files = {name: Path(secret["file"]).name for name, secret in raw_compose(REPO_ROOT)["secrets"].items()}
        for variable, value in environment.items():
            if (source := mounted_secrets(service).get(value)) is not None:
                environment[variable] = str(secret_files / files[source])
        if "env_file" in service:  # read by Compose from ./secrets: NAME=value lines
            lines = (secret_files / Path(service["env_file"]).name).read_text().splitlines()
            environment |= dict(line.split("=", 1) for line in lines if line.strip())
    return environment


@pytest.fixture(scope="module")
def secret_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `camille secrets secrets` makes beside compose.yaml."""
    from camille.secrets import write_local_secrets

    directory = tmp_path_factory.mktemp("secrets")
    write_local_secrets(directory)
    return directory


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
    repo_root: Path, own_clinic: Path, secret_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CAMILLE_ENV defaults to production, and with .env filled in each service's settings are accepted."""
    compose = interpolate(raw_compose(repo_root), filled(repo_root, own_clinic))
    services = camille_services(compose)
    assert set(services) == {
        "scheduling-api",
        "tool-runner",
        "audit-keys",
        "audit-sink",
        "audit-replay",
        "voice-worker",
        "phrases",
        "token-service",
    }
    for name, service in services.items():
        environment = container_environment(service, secret_files)
        if name in NATS_IDENTITY_OF:
            assert Path(environment["CAMILLE_NATS_CREDS_FILE"]).read_bytes().startswith(b"SU"), name
        settings = settings_in(service["command"][0], environment, monkeypatch)
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
        text = yaml.safe_dump(
            {
                "environment": service.get("environment"),
                "volumes": service.get("volumes"),
                "env": service.get("env_file"),
            }
        )
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
            "audit-signing": "audit-signing.env",
            "audit-verify": "audit-verify.env",
        }.items():
            if marker in text:
                holders.setdefault(secret, set()).add(name)
    assert holders == {
        "webhook": {"tool-runner", "scheduling-api"},
        "audit-db": {"audit-sink", "audit-keys", "audit-replay"},
        "scheduling-db": {"scheduling-api"},
        "superuser": {"postgres"},
        "audit-keys": {"audit-sink", "audit-keys", "audit-replay"},
        "openai": {"voice-worker", "phrases"},
        "livekit": {"voice-worker", "phrases", "token-service"},
        "identity-hash": {"voice-worker", "phrases"},
        "jetstream": {"nats"},
        "audit-signing": {"voice-worker", "phrases"},
        "audit-verify": {"audit-sink", "audit-keys", "audit-replay"},
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
    """The NATS config is a file Compose does not substitute: it says `key: $JS_KEY`, which nats-server resolves
    from the environment Compose gives it."""
    compose = interpolate(raw_compose(repo_root), filled(repo_root, own_clinic))
    assert "key: $JS_KEY\n" in (repo_root / compose["configs"]["nats_conf"]["file"]).read_text()
    assert compose["services"]["nats"]["environment"]["JS_KEY"] == "J" * 64


def test_settings_cover_every_camille_verb_compose_runs(repo_root: Path) -> None:
    """Each Camille container's verb is one whose settings these tests know how to check."""
    for service in camille_services(raw_compose(repo_root)).values():
        assert service["command"][0] in SETTINGS_OF


# The NATS identity each Compose service connects as (its seed under `secrets:`); one-shot jobs take their service's.
NATS_IDENTITY_OF = {
    "voice-worker": "voice-worker",
    "phrases": "voice-worker",
    "tool-runner": "tool-runner",
    "audit-sink": "audit-sink",
    "audit-keys": "audit-sink",
    "audit-replay": "audit-replay",
}


def mounted_secrets(service: dict[str, Any]) -> dict[str, str]:
    """/run/secrets/<target> -> the top-level secret mounted there."""
    found = {}
    for entry in service.get("secrets", []):
        source, target = (entry, entry) if isinstance(entry, str) else (entry["source"], entry.get("target"))
        found[f"/run/secrets/{target or source}"] = source
    return found


def test_each_nats_client_mounts_the_ca_and_its_own_seed_only(repo_root: Path) -> None:
    """CAMILLE_NATS_CREDS_FILE and CAMILLE_NATS_CA_FILE point at files mounted from ./secrets: the service's own
    seed and the CA; no other Camille service gets a seed, and the server alone gets its key."""
    from camille.secrets import CA_CERT
    from runtime.identities import seed_file

    compose = raw_compose(repo_root)
    files = {name: secret["file"] for name, secret in compose["secrets"].items()}
    for name, service in compose["services"].items():
        mounted = mounted_secrets(service)
        if name not in NATS_IDENTITY_OF:
            assert "CAMILLE_NATS_CREDS_FILE" not in (service.get("environment") or {}), name
            assert name == "nats" or not mounted, name
            continue
        environment = service["environment"]
        assert set(mounted) == {environment["CAMILLE_NATS_CREDS_FILE"], environment["CAMILLE_NATS_CA_FILE"]}, name
        assert (
            files[mounted[environment["CAMILLE_NATS_CREDS_FILE"]]]
            == f"./secrets/{seed_file(Path(), NATS_IDENTITY_OF[name]).name}"
        )
        assert files[mounted[environment["CAMILLE_NATS_CA_FILE"]]] == f"./secrets/{CA_CERT}"
        assert environment["NATS_URL"].startswith("tls://")


def test_the_nats_server_runs_tls_with_the_files_camille_secrets_makes(repo_root: Path) -> None:
    """nats.conf reads its certificate and key where Compose mounts them, includes the public keys `camille secrets`
    writes, and lists one NKEY user per identity; every secret Compose reads is a file that command makes."""
    from camille.secrets import (
        CA_CERT,
        NATS_IDENTITIES,
        SERVER_CERT,
        SERVER_KEY,
        USERS_CONF,
        nkey_variable,
    )
    from runtime.identities import seed_file

    compose = raw_compose(repo_root)
    nats = compose["services"]["nats"]
    config = (repo_root / compose["configs"]["nats_conf"]["file"]).read_text()
    mounted = mounted_secrets(nats)
    files = {name: secret["file"] for name, secret in compose["secrets"].items()}
    cert = re.search(r'cert_file: "([^"]+)"', config)
    key = re.search(r'key_file: "([^"]+)"', config)
    assert cert and key
    assert files[mounted[cert.group(1)]] == f"./secrets/{SERVER_CERT}"
    assert files[mounted[key.group(1)]] == f"./secrets/{SERVER_KEY}"
    [users] = [c for c in nats["configs"] if c["source"] == "nats_users"]
    assert compose["configs"]["nats_users"]["file"] == f"./secrets/{USERS_CONF}"
    assert f'include "{Path(users["target"]).name}"' in config
    assert (
        Path(users["target"]).parent
        == Path(next(c for c in nats["configs"] if c["source"] == "nats_conf")["target"]).parent
    )
    for identity in NATS_IDENTITIES:
        assert f"nkey: ${nkey_variable(identity)}\n" in config, identity
    made = {CA_CERT, SERVER_CERT, SERVER_KEY} | {seed_file(Path(), identity).name for identity in NATS_IDENTITIES}
    assert {Path(path).name for path in files.values()} <= made
    assert {seed_file(Path(), identity).name for identity in NATS_IDENTITY_OF.values()} <= {
        Path(p).name for p in files.values()
    }
    assert "CAMILLE_NATS_CREDS_FILE" not in (nats.get("environment") or {})
