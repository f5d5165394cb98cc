"""Envelope encryption of the PHI fields, keyed hashes, and the hash chain.

Each call gets a random AES-256-GCM data key, stored only wrapped by a master key (with that key's id). A record's
PHI fields are encrypted under the call's data key with its identity (call id, seq, kind) as associated data, so
ciphertext copied to another row does not decrypt. Destroying the wrapped data key crypto-shreds the whole call.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
GENESIS = bytes(32)


class UndecryptableError(RuntimeError):
    """Ciphertext did not authenticate: wrong key, moved to another row, or altered. Carries ids only."""


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, sealed: bytes, aad: bytes, what: str) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except (InvalidTag, ValueError):
        raise UndecryptableError(f"{what} does not decrypt") from None


def _wrap_aad(call_id: str, key_id: str) -> bytes:
    return f"camille-audit-dek-v1|{call_id}|{key_id}".encode()


def wrap_data_key(master: bytes, key_id: str, call_id: str, data_key: bytes) -> bytes:
    return _seal(master, data_key, _wrap_aad(call_id, key_id))


def unwrap_data_key(master: bytes, key_id: str, call_id: str, wrapped: bytes) -> bytes:
    return _open(master, wrapped, _wrap_aad(call_id, key_id), f"data key of call {call_id} (master key {key_id})")


def record_aad(call_id: str, seq: int, kind: str) -> bytes:
    return f"camille-audit-record-v1|{call_id}|{seq}|{kind}".encode()


def encrypt_fields(data_key: bytes, call_id: str, seq: int, kind: str, fields: dict[str, Any]) -> bytes:
    plaintext = json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode()
    return _seal(data_key, plaintext, record_aad(call_id, seq, kind))


def decrypt_fields(data_key: bytes, call_id: str, seq: int, kind: str, sealed: bytes) -> dict[str, Any]:
    plaintext = _open(data_key, sealed, record_aad(call_id, seq, kind), f"record {call_id}:{seq}")
    fields: dict[str, Any] = json.loads(plaintext)
    return fields


def keyed_hash(index_key: bytes, purpose: str, value: str) -> str:
    """HMAC-SHA256 of a value under a purpose-bound key: lets us find a caller's calls without storing the number."""
    subkey = hmac.new(index_key, f"camille-audit-{purpose}-v1".encode(), hashlib.sha256).digest()
    return hmac.new(subkey, value.encode(), hashlib.sha256).hexdigest()


def chain_key(index_key: bytes) -> bytes:
    return hmac.new(index_key, b"camille-audit-chain-v1", hashlib.sha256).digest()


def link(key: bytes, previous: bytes, fields: list[Any]) -> bytes:
    """One step of a hash chain: HMAC(key, previous || canonical JSON of the fields)."""
    body = json.dumps(fields, separators=(",", ":"), ensure_ascii=False, default=_hexbytes).encode()
    return hmac.new(key, previous + body, hashlib.sha256).digest()


def _hexbytes(value: object) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    raise TypeError(type(value).__name__)
