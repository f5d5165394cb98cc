"""Audit events signed by the voice worker with Ed25519, checked by the audit sink.

Ed25519 rather than an HMAC: the voice worker holds the private key and the sink only public keys, so neither the
sink, nor whoever reads its configuration, nor anyone on the bus can make an event the sink would accept; a shared
HMAC key in the sink would let a compromised sink pod write history. The signature covers the exact bytes
published (with a fixed prefix, so the key signs nothing else by accident) and travels in the `Camille-Signature`
header as `ed25519:<key id>:<base64 signature>`; the key id names the public key, so keys can be rotated by giving
the sink the old and the new one. The bytes carry the call id and sequence; the sink checks the subject against
the call id.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from runtime.identities import write_private_once

ALGORITHM = "ed25519"
DOMAIN = b"camille-audit-event-v1\n"
DEVELOPMENT_KEY_FILE = "audit-signing.key"


class SignatureProblem(StrEnum):
    """Why an event's signature was refused (a closed set: metric labels)."""

    UNSIGNED = "unsigned"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"


class AuditSignatureError(Exception):
    """The event is not signed by a voice worker the sink knows. The text is the problem's name, never content."""

    def __init__(self, problem: SignatureProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


class KeyFormatError(ValueError):
    """A signing or verify key that is not 32 bytes of base64."""


def _raw_key(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyFormatError(f"{what} is not base64") from None
    if len(raw) != 32:
        raise KeyFormatError(f"{what} must be 32 bytes of base64 (got {len(raw)})")
    return raw


def key_id(verify_key: VerifyKey) -> str:
    return hashlib.sha256(bytes(verify_key)).hexdigest()[:16]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class AuditSigner:
    def __init__(self, key: SigningKey) -> None:
        self._key = key
        self.verify_key = key.verify_key
        self._prefix = f"{ALGORITHM}:{key_id(self.verify_key)}:"

    @classmethod
    def generate(cls) -> AuditSigner:
        return cls(SigningKey.generate())

    @classmethod
    def from_text(cls, text: str) -> AuditSigner:
        """From `CAMILLE_AUDIT_SIGNING_KEY`: the 32-byte Ed25519 seed, base64."""
        return cls(SigningKey(_raw_key(text, "CAMILLE_AUDIT_SIGNING_KEY")))

    def signing_key_text(self) -> str:
        return _b64(bytes(self._key))

    def verify_key_text(self) -> str:
        return _b64(bytes(self.verify_key))

    def sign(self, data: bytes) -> str:
        """The header value for `data`: `ed25519:<key id>:<signature>`."""
        return self._prefix + _b64(self._key.sign(DOMAIN + data).signature)


class AuditVerifier:
    def __init__(self, keys: Iterable[VerifyKey]) -> None:
        self._keys = {key_id(key): key for key in keys}
        if not self._keys:
            raise KeyFormatError("no verify key")

    @classmethod
    def from_text(cls, text: str) -> AuditVerifier:
        """From `CAMILLE_AUDIT_VERIFY_KEYS`: the voice workers' public keys, base64, comma-separated."""
        parts = [part for part in text.split(",") if part.strip()]
        return cls(VerifyKey(_raw_key(part, "CAMILLE_AUDIT_VERIFY_KEYS")) for part in parts)

    def check(self, data: bytes, header: str | None) -> None:
        """Raise AuditSignatureError unless `header` is a known key's signature of `data`."""
        if not header:
            raise AuditSignatureError(SignatureProblem.UNSIGNED)
        algorithm, _, rest = header.partition(":")
        found_id, _, signature = rest.partition(":")
        key = self._keys.get(found_id)
        if algorithm != ALGORITHM or key is None:
            raise AuditSignatureError(SignatureProblem.UNKNOWN_KEY)
        try:
            key.verify(DOMAIN + data, base64.b64decode(signature, validate=True))
        except (BadSignatureError, binascii.Error, ValueError):
            raise AuditSignatureError(SignatureProblem.BAD_SIGNATURE) from None


def development_signer(data_dir: Path) -> AuditSigner:
    """The local key pair in `<data_dir>/audit-signing.key` (0600), made on first use: voice worker and sink of one
    local run share the data dir, so the sink finds the public half there. Never used in production."""
    path = data_dir / DEVELOPMENT_KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        write_private_once(path, (AuditSigner.generate().signing_key_text() + "\n").encode())
    return AuditSigner.from_text(path.read_text())
