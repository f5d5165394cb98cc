"""Master keys behind a small provider interface: a key file or environment variables today, a KMS or Vault later.

A master key only wraps per-call data keys; it never encrypts records itself. Each has an id, stored next to every
wrapped data key, so records wrapped under an old key stay readable after a rotation until they are re-wrapped.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32


class AuditKeyError(RuntimeError):
    """A key is missing or malformed. The message names the key id or the source, never key material."""


class KeyProvider(Protocol):
    def current_key_id(self) -> str: ...

    def master_key(self, key_id: str) -> bytes: ...

    def index_key(self) -> bytes: ...


def _b64key(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise AuditKeyError(f"{what}: not base64") from None
    if len(raw) != KEY_BYTES:
        raise AuditKeyError(f"{what}: must be {KEY_BYTES} bytes, got {len(raw)}")
    return raw


def fingerprint_id(key: bytes) -> str:
    """A stable id for a key given without one (a hash of 256 random bits reveals nothing usable)."""
    return "k" + hashlib.sha256(b"camille-audit-key-id|" + key).hexdigest()[:16]


def derive_index_key(master: bytes) -> bytes:
    return HKDF(hashes.SHA256(), KEY_BYTES, salt=None, info=b"camille-audit-index-v1").derive(master)


@dataclass(frozen=True)
class KeyRing:
    current: str
    keys: dict[str, bytes]
    index: bytes

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise AuditKeyError(f"current master key id {self.current!r} is not among the keys")


class StaticKeyProvider:
    """Keys held in memory: from environment variables, or built by tests."""

    def __init__(self, ring: KeyRing) -> None:
        self._ring = ring

    @classmethod
    def from_env_text(cls, master_keys: str, index_key: str | None) -> StaticKeyProvider:
        """Parse 'id:base64,id:base64' (current first; a bare base64 key gets an id from its fingerprint).

        The index key defaults to a derivation of the oldest key, so adding a key keeps caller hashes stable.
        """
        pairs = [item.strip() for item in master_keys.split(",") if item.strip()]
        keys: dict[str, bytes] = {}
        for position, pair in enumerate(pairs):
            key_id, sep, material = pair.rpartition(":")
            if sep and not key_id:
                raise AuditKeyError(f"CAMILLE_AUDIT_MASTER_KEY item {position + 1}: expected 'id:base64' or 'base64'")
            key = _b64key(material, f"CAMILLE_AUDIT_MASTER_KEY item {position + 1}")
            keys[key_id or fingerprint_id(key)] = key
        if not keys:
            raise AuditKeyError("CAMILLE_AUDIT_MASTER_KEY is empty")
        oldest = list(keys.values())[-1]
        index = _b64key(index_key, "CAMILLE_AUDIT_INDEX_KEY") if index_key else derive_index_key(oldest)
        return cls(KeyRing(current=next(iter(keys)), keys=keys, index=index))

    def current_key_id(self) -> str:
        return self._ring.current

    def master_key(self, key_id: str) -> bytes:
        try:
            return self._ring.keys[key_id]
        except KeyError:
            raise AuditKeyError(f"unknown master key id {key_id!r}") from None

    def index_key(self) -> bytes:
        return self._ring.index


def _new_key_id() -> str:
    return f"k{datetime.now(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"


def _write_private(path: Path, ring: KeyRing) -> None:
    """Write the key file atomically with mode 0600 (a reader sees the old file or the new one, never half)."""
    document = {
        "current": ring.current,
        "keys": {key_id: base64.b64encode(key).decode() for key_id, key in ring.keys.items()},
        "index_key": base64.b64encode(ring.index).decode(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(document, handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class FileKeyProvider:
    """A JSON key file, re-read when it changes: a rotation reaches a running sink without a restart."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._ring: KeyRing | None = None

    @classmethod
    def create(cls, path: Path) -> FileKeyProvider:
        """Generate a key file with one master key, unless it exists (development: generated once)."""
        if not path.exists():
            key_id = _new_key_id()
            _write_private(path, KeyRing(key_id, {key_id: secrets.token_bytes(KEY_BYTES)}, secrets.token_bytes(32)))
        return cls(path)

    def _load(self) -> KeyRing:
        with self._lock:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
            if self._ring is None or stamp != self._stamp:
                try:
                    document = json.loads(self.path.read_text())
                    keys = {k: _b64key(v, f"master key {k!r}") for k, v in document["keys"].items()}
                    self._ring = KeyRing(document["current"], keys, _b64key(document["index_key"], "index_key"))
                except (ValueError, KeyError, TypeError):
                    raise AuditKeyError(f"key file {self.path} is malformed") from None
                self._stamp = stamp
            return self._ring

    def rotate(self) -> str:
        """Add a new master key and make it current; old keys stay for reading. Returns the new id."""
        ring = self._load()
        key_id = _new_key_id()
        keys = {key_id: secrets.token_bytes(KEY_BYTES), **ring.keys}
        _write_private(self.path, KeyRing(key_id, keys, ring.index))
        return key_id

    def retire(self, key_id: str) -> None:
        """Remove a master key that no data key is wrapped under any more (after a re-wrap)."""
        ring = self._load()
        if key_id == ring.current:
            raise AuditKeyError("the current master key cannot be retired")
        keys = {k: v for k, v in ring.keys.items() if k != key_id}
        _write_private(self.path, KeyRing(ring.current, keys, ring.index))

    def current_key_id(self) -> str:
        return self._load().current

    def master_key(self, key_id: str) -> bytes:
        try:
            return self._load().keys[key_id]
        except KeyError:
            raise AuditKeyError(f"unknown master key id {key_id!r}") from None

    def index_key(self) -> bytes:
        return self._load().index
