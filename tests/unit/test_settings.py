"""Settings: local defaults just work; production refuses to start on anything missing."""

from __future__ import annotations

import pytest

from runtime.settings import SHIPPED_CLINIC_FILE, CommonSettings, ConfigurationError


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


def test_production_with_everything_set_starts(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A complete production configuration is accepted."""
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text(SHIPPED_CLINIC_FILE.read_text())
    monkeypatch.setenv("CAMILLE_ENV", "production")
    monkeypatch.setenv("NATS_URL", "nats://nats:4222")
    monkeypatch.setenv("CAMILLE_CLINIC_FILE", str(clinic))
    assert CommonSettings().nats_url == "nats://nats:4222"
