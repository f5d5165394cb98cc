"""Settings: local defaults just work; production refuses to start on anything missing or unsafe."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from audit_sink.settings import AuditSinkSettings
from runtime.audit_signature import AuditSigner
from runtime.settings import SHIPPED_CLINIC_FILE, CommonSettings, ConfigurationError
from scheduling_api.settings import ReferenceSettings
from tool_runner.settings import ToolRunnerSettings
from voice_worker.settings import VoiceWorkerSettings


@pytest.fixture
def own_clinic(tmp_path: Path) -> Path:
    """The clinic's own file: the example with one thing changed, as a clinic starts from it."""
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text(SHIPPED_CLINIC_FILE.read_text().replace("+33 1 99 00 12 34", "+33 1 99 00 56 78"))
    return clinic


def production(clinic: Path, **values: Any) -> dict[str, Any]:
    return {"env": "production", "nats_url": "nats://nats:4222", "clinic_file": clinic, **values}


SIGNER = AuditSigner.generate()
NATS_CREDS = {"nats_creds_file": "/run/secrets/nats/service.nk"}


AUDIT_KEY = "k1:" + base64.b64encode(bytes(32)).decode()
COMPLETE: dict[type[CommonSettings], dict[str, Any]] = {
    AuditSinkSettings: {
        "audit_master_key": AUDIT_KEY, "audit_db_url": "postgresql://audit@db/audit", "audit_stream_replicas": 3,
        "audit_verify_keys": SIGNER.verify_key_text(), **NATS_CREDS,
    },
    VoiceWorkerSettings: {
        "livekit_url": "wss://lk.example", "livekit_api_key": "key", "livekit_api_secret": "secret",
        "openai_api_key": "sk-x", "identity_hash_key": "h" * 44, "audit_signing_key": SIGNER.signing_key_text(),
        **NATS_CREDS,
    },
    ToolRunnerSettings: {"webhook_secret": "whsec_x", **NATS_CREDS},
    ReferenceSettings: {"webhook_secret": "whsec_x", "reference_db_url": "postgresql://ref@db/ref"},
}  # fmt: skip


def test_local_defaults_need_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no environment at all, settings fall back to the embedded defaults."""
    monkeypatch.delenv("NATS_URL", raising=False)
    monkeypatch.delenv("CAMILLE_ENV", raising=False)
    settings = CommonSettings()
    assert settings.nats_url is None and settings.clinic_file == SHIPPED_CLINIC_FILE


def test_production_lists_every_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    """In production, missing NATS and the example clinic file are both reported at once."""
    monkeypatch.setenv("CAMILLE_ENV", "production")
    monkeypatch.delenv("NATS_URL", raising=False)
    with pytest.raises(ConfigurationError) as info:
        CommonSettings()
    assert "NATS_URL" in str(info.value) and "CAMILLE_CLINIC_FILE" in str(info.value)


def test_production_with_everything_set_starts(monkeypatch: pytest.MonkeyPatch, own_clinic: Path) -> None:
    """A complete production configuration is accepted."""
    monkeypatch.setenv("CAMILLE_ENV", "production")
    monkeypatch.setenv("NATS_URL", "nats://nats:4222")
    monkeypatch.setenv("CAMILLE_CLINIC_FILE", str(own_clinic))
    monkeypatch.setenv("CAMILLE_NATS_CREDS_FILE", "/run/secrets/nats/service.nk")
    assert CommonSettings().nats_url == "nats://nats:4222"


@pytest.mark.parametrize("service", list(COMPLETE), ids=lambda cls: cls.__name__)
def test_each_service_starts_in_production_with_its_settings(service: type[CommonSettings], own_clinic: Path) -> None:
    """Each service's complete production settings (the ones the deployment gives it) are accepted."""
    assert service(**production(own_clinic, **COMPLETE[service])).env == "production"


@pytest.mark.parametrize("example", ["fillion.yaml", "geneve.yaml"])
def test_a_copy_of_a_shipped_clinic_is_refused(tmp_path: Path, example: str) -> None:
    """A shipped example copied or mounted under another path is still the example: production refuses it."""
    copy = tmp_path / "clinic.yaml"
    copy.write_bytes(SHIPPED_CLINIC_FILE.with_name(example).read_bytes())
    with pytest.raises(ConfigurationError, match="not a shipped example"):
        CommonSettings(**production(copy))


@pytest.mark.parametrize(
    ("service", "blank"),
    [
        (AuditSinkSettings, "audit_master_key"),
        (AuditSinkSettings, "audit_db_url"),
        (VoiceWorkerSettings, "livekit_api_key"),
        (VoiceWorkerSettings, "openai_api_key"),
        (VoiceWorkerSettings, "identity_hash_key"),
        (ToolRunnerSettings, "webhook_secret"),
        (ReferenceSettings, "webhook_secret"),
        (ReferenceSettings, "reference_db_url"),
    ],
)
def test_a_blank_secret_counts_as_missing(service: type[CommonSettings], blank: str, own_clinic: Path) -> None:
    """An empty or blank value (what Compose passes for an unset variable) is refused like a missing one."""
    for value in ("", "   "):
        with pytest.raises(ConfigurationError, match=blank.upper()):
            service(**production(own_clinic, **COMPLETE[service] | {blank: value}))


@pytest.mark.parametrize(
    ("unsafe", "named"),
    [
        ({"audit_db_url": None}, "CAMILLE_AUDIT_DB_URL"),
        ({"audit_db_url": "sqlite:////var/lib/camille/audit.sqlite3"}, "CAMILLE_AUDIT_DB_URL"),
        ({"audit_stream_replicas": 1}, "CAMILLE_AUDIT_STREAM_REPLICAS"),
    ],
    ids=["no-database", "sqlite", "one-replica"],
)
def test_the_audit_sink_refuses_an_unsafe_store_or_stream(unsafe: dict[str, Any], named: str, own_clinic: Path) -> None:
    """Production audit needs PostgreSQL and a stream of three replicas."""
    with pytest.raises(ConfigurationError, match=named):
        AuditSinkSettings(**production(own_clinic, **COMPLETE[AuditSinkSettings] | unsafe))


def test_one_replica_is_accepted_only_when_declared_single_server(own_clinic: Path) -> None:
    """On one NATS server (Compose), one replica is accepted once CAMILLE_AUDIT_SINGLE_NATS_SERVER says so."""
    settings = production(own_clinic, **COMPLETE[AuditSinkSettings] | {"audit_stream_replicas": 1})
    assert AuditSinkSettings(**settings, audit_single_nats_server=True).audit_stream_replicas == 1


@pytest.mark.parametrize("key", ["camille-development-only", "secret", "x" * 31])
def test_the_identity_hash_key_must_be_a_long_secret(key: str, own_clinic: Path) -> None:
    """The development key and any key under 32 characters are refused in production."""
    with pytest.raises(ConfigurationError, match="CAMILLE_IDENTITY_HASH_KEY"):
        VoiceWorkerSettings(**production(own_clinic, **COMPLETE[VoiceWorkerSettings] | {"identity_hash_key": key}))


@pytest.mark.parametrize("service", [AuditSinkSettings, VoiceWorkerSettings, ToolRunnerSettings])
def test_production_refuses_a_service_without_its_nats_credentials(
    service: type[CommonSettings], own_clinic: Path
) -> None:
    """Every service that connects to NATS needs its own credentials in production; a blank value is none."""
    for missing in ({}, {"nats_creds_file": " "}):
        values = {k: v for k, v in COMPLETE[service].items() if k != "nats_creds_file"} | missing
        with pytest.raises(ConfigurationError, match="CAMILLE_NATS_CREDS_FILE"):
            service(**production(own_clinic, **values))


def test_services_that_never_connect_to_nats_need_no_credentials(own_clinic: Path) -> None:
    """The reference scheduling API reads no NATS credentials: production does not ask it for any."""
    assert ReferenceSettings(**production(own_clinic, **COMPLETE[ReferenceSettings])).nats_creds_file is None


def test_production_needs_the_audit_signing_key_and_the_sink_its_public_half(own_clinic: Path) -> None:
    """No signing key, no voice worker; no verify key, no sink; a key that is not 32 bytes of base64 is refused
    without being echoed."""
    voice = {k: v for k, v in COMPLETE[VoiceWorkerSettings].items() if k != "audit_signing_key"}
    with pytest.raises(ConfigurationError, match="CAMILLE_AUDIT_SIGNING_KEY"):
        VoiceWorkerSettings(**production(own_clinic, **voice))
    sink = {k: v for k, v in COMPLETE[AuditSinkSettings].items() if k != "audit_verify_keys"}
    with pytest.raises(ConfigurationError, match="CAMILLE_AUDIT_VERIFY_KEYS"):
        AuditSinkSettings(**production(own_clinic, **sink))
    with pytest.raises(ValueError, match="32 bytes") as info:
        AuditSinkSettings(audit_verify_keys="c2hvcnQ=")
    assert "c2hvcnQ" not in str(info.value)


def test_local_runs_share_one_generated_signing_key(tmp_path: Path) -> None:
    """Outside production the voice worker's key is generated once in the data dir (0600) and the sink of the same
    data dir checks against its public half."""
    signer = VoiceWorkerSettings(data_dir=tmp_path).audit_signer()
    assert (tmp_path / "audit-signing.key").stat().st_mode & 0o777 == 0o600
    data = b'{"call_id": "c"}'
    AuditSinkSettings(data_dir=tmp_path).audit_verifier().check(data, signer.sign(data))


def test_processes_starting_together_get_one_whole_signing_key(tmp_path: Path) -> None:
    """Job processes prewarm at once: whoever creates the key first, every one reads the same whole key."""
    from concurrent.futures import ThreadPoolExecutor

    from runtime.audit_signature import development_signer

    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: development_signer(tmp_path).verify_key_text(), range(32)))
    assert len(keys) == 1
    assert [path.name for path in tmp_path.iterdir()] == ["audit-signing.key"]  # nothing staged is left behind
