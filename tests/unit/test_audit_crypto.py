"""Envelope encryption, key providers and development key handling of the audit sink."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from audit_sink import crypto
from audit_sink.bootstrap import build_key_provider
from audit_sink.keys import AuditKeyError, FileKeyProvider, StaticKeyProvider
from audit_sink.settings import AuditSinkSettings
from runtime.audit_signature import AuditSigner
from runtime.settings import ConfigurationError

VERIFY_KEY = AuditSigner.generate().verify_key_text()


def test_fields_decrypt_only_under_their_own_identity() -> None:
    """Ciphertext decrypts for its (call, seq, kind) and fails once moved to another row."""
    key = crypto.new_data_key()
    sealed = crypto.encrypt_fields(key, "call-1", 3, "transcript_segment", {"text": "Jeanne Canari"})
    assert crypto.decrypt_fields(key, "call-1", 3, "transcript_segment", sealed) == {"text": "Jeanne Canari"}
    for call_id, seq, kind in [("call-2", 3, "transcript_segment"), ("call-1", 4, "transcript_segment"),
                               ("call-1", 3, "emergency_detected")]:  # fmt: skip
        with pytest.raises(crypto.UndecryptableError):
            crypto.decrypt_fields(key, call_id, seq, kind, sealed)


def test_wrapped_data_key_is_bound_to_call_and_master_key_id() -> None:
    """A wrapped data key unwraps only for its call under its master key id."""
    master, data_key = crypto.new_data_key(), crypto.new_data_key()
    wrapped = crypto.wrap_data_key(master, "k1", "call-1", data_key)
    assert crypto.unwrap_data_key(master, "k1", "call-1", wrapped) == data_key
    with pytest.raises(crypto.UndecryptableError):
        crypto.unwrap_data_key(master, "k1", "call-2", wrapped)
    with pytest.raises(crypto.UndecryptableError):
        crypto.unwrap_data_key(master, "k2", "call-1", wrapped)


def test_development_key_file_is_generated_once_and_private(tmp_path: Path) -> None:
    """With no key source, development generates a 0600 key file once and reuses it."""
    settings = AuditSinkSettings(data_dir=tmp_path)
    first = build_key_provider(settings)
    second = build_key_provider(settings)
    path = tmp_path / "audit-keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.current_key_id() == second.current_key_id()
    assert first.master_key(first.current_key_id()) == second.master_key(second.current_key_id())


def test_production_refuses_without_an_explicit_key_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Production settings without CAMILLE_AUDIT_MASTER_KEY or a key file refuse to load, naming the variable."""
    monkeypatch.setenv("CAMILLE_ENV", "production")
    monkeypatch.setenv("NATS_URL", "nats://127.0.0.1:4222")
    monkeypatch.setenv("CAMILLE_CLINIC_FILE", str(tmp_path / "clinic.yaml"))
    monkeypatch.setenv("CAMILLE_AUDIT_DB_URL", "postgresql://audit@db/audit")
    monkeypatch.setenv("CAMILLE_AUDIT_STREAM_REPLICAS", "3")
    monkeypatch.setenv("CAMILLE_NATS_CREDS_FILE", "/run/secrets/nats/audit-sink.nk")
    monkeypatch.setenv("CAMILLE_AUDIT_VERIFY_KEYS", VERIFY_KEY)
    with pytest.raises(ConfigurationError, match="CAMILLE_AUDIT_MASTER_KEY"):
        AuditSinkSettings()
    monkeypatch.setenv("CAMILLE_AUDIT_MASTER_KEY", "k1:" + base64.b64encode(bytes(32)).decode())
    assert AuditSinkSettings().has_env_keys()


def test_env_keys_list_current_first_and_reject_bad_material() -> None:
    """Environment keys are 'id:base64' pairs, current first; malformed ones fail without echoing material."""
    k1, k2 = (base64.b64encode(bytes([n]) * 32).decode() for n in (1, 2))
    provider = StaticKeyProvider.from_env_text(f"k2:{k2}, k1:{k1}", None)
    assert provider.current_key_id() == "k2"
    assert provider.master_key("k1") == bytes([1]) * 32
    # The index key derives from the oldest key, so adding a new key does not change caller hashes.
    assert provider.index_key() == StaticKeyProvider.from_env_text(f"k1:{k1}", None).index_key()
    bare = StaticKeyProvider.from_env_text(k1, None)
    assert bare.current_key_id() == StaticKeyProvider.from_env_text(f" {k1} ", None).current_key_id() != k1
    with pytest.raises(AuditKeyError) as caught:
        StaticKeyProvider.from_env_text("k1:c2hvcnQ=", None)
    assert "c2hvcnQ" not in str(caught.value)


def test_file_provider_rotation_keeps_old_keys_readable(tmp_path: Path) -> None:
    """Rotating adds a current key, keeps the old one and the index key; a live provider sees the change."""
    provider = FileKeyProvider.create(tmp_path / "keys.json")
    live = FileKeyProvider(tmp_path / "keys.json")
    old_id, old_index = live.current_key_id(), live.index_key()
    new_id = provider.rotate()
    assert live.current_key_id() == new_id != old_id
    assert live.master_key(old_id) and live.index_key() == old_index
    with pytest.raises(AuditKeyError):
        live.retire(new_id)
    live.retire(old_id)
    with pytest.raises(AuditKeyError, match=old_id):
        provider.master_key(old_id)


def test_keyed_hash_depends_on_key_and_purpose() -> None:
    """Caller hashes differ across keys and purposes and never contain the number."""
    a, b = crypto.new_data_key(), crypto.new_data_key()
    phone = "+41791234567"
    assert crypto.keyed_hash(a, "caller", phone) == crypto.keyed_hash(a, "caller", phone)
    assert crypto.keyed_hash(a, "caller", phone) != crypto.keyed_hash(b, "caller", phone)
    assert crypto.keyed_hash(a, "caller", phone) != crypto.keyed_hash(a, "other", phone)
    assert "791234567" not in crypto.keyed_hash(a, "caller", phone)
