"""`camille secrets DIR`: a local CA, the NATS server certificate and one NKEY seed per identity, made once."""

from __future__ import annotations

import base64
import ipaddress
import re
import stat
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ed25519
from typer.testing import CliRunner

from camille.cli import app
from camille.secrets import (
    CA_CERT,
    CA_KEY,
    NATS_IDENTITIES,
    SERVER_CERT,
    SERVER_KEY,
    SIGNING_ENV,
    USERS_CONF,
    VERIFY_ENV,
    nkey_variable,
    write_local_secrets,
)
from runtime.identities import public_key, seed_file


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_one_command_makes_the_ca_the_server_certificate_and_a_seed_per_identity(tmp_path: Path) -> None:
    """The directory is its owner's alone; private keys are 0600; the server certificate names the Compose host and
    chains to the CA; nats-users.conf holds each seed's public key under the variable the config reads."""
    directory = tmp_path / "secrets"
    result = CliRunner().invoke(app, ["secrets", str(directory)])
    assert result.exit_code == 0, result.output
    assert mode(directory) == 0o700
    assert mode(directory / CA_KEY) == mode(directory / SERVER_KEY) == 0o600
    assert mode(directory / SIGNING_ENV) == mode(directory / VERIFY_ENV) == 0o600
    ca = x509.load_pem_x509_certificate((directory / CA_CERT).read_bytes())
    server = x509.load_pem_x509_certificate((directory / SERVER_CERT).read_bytes())
    server.verify_directly_issued_by(ca)
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "nats" in names.get_values_for_type(x509.DNSName)
    assert ipaddress.ip_address("127.0.0.1") in names.get_values_for_type(x509.IPAddress)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    users = dict(re.findall(r'^(\w+): "(U[A-Z2-7]{55})"$', (directory / USERS_CONF).read_text(), re.M))
    assert len(users) == len(NATS_IDENTITIES)
    for identity in NATS_IDENTITIES:
        seed = seed_file(directory, identity).read_bytes()
        assert seed.startswith(b"SU")
        assert users[nkey_variable(identity)] == public_key(seed)
    assert len(set(users.values())) == len(NATS_IDENTITIES)


def test_running_it_again_keeps_every_identity_and_certificate(tmp_path: Path) -> None:
    """A second run replaces nothing; a deleted seed alone is made anew."""
    write_local_secrets(tmp_path)
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    seed_file(tmp_path, "tool-runner").unlink()
    written = write_local_secrets(tmp_path)
    assert {path.name for path in written} == {seed_file(tmp_path, "tool-runner").name, USERS_CONF}
    after = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {seed_file(tmp_path, "tool-runner").name, USERS_CONF}


def test_extra_host_names_go_into_the_server_certificate(tmp_path: Path) -> None:
    """--host names the server as clients outside Compose reach it."""
    result = CliRunner().invoke(app, ["secrets", str(tmp_path), "--host", "nats.clinic.example", "--host", "10.0.0.5"])
    assert result.exit_code == 0, result.output
    server = x509.load_pem_x509_certificate((tmp_path / SERVER_CERT).read_bytes())
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["nats.clinic.example"]
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("10.0.0.5")]


def test_the_audit_signing_key_and_its_public_half_go_to_two_env_files(tmp_path: Path) -> None:
    """audit-signing.env holds an Ed25519 seed (the voice worker's) and audit-verify.env the matching public key."""
    write_local_secrets(tmp_path)
    [name, seed] = (tmp_path / SIGNING_ENV).read_text().strip().split("=", 1)
    [verify_name, public] = (tmp_path / VERIFY_ENV).read_text().strip().split("=", 1)
    assert (name, verify_name) == ("CAMILLE_AUDIT_SIGNING_KEY", "CAMILLE_AUDIT_VERIFY_KEYS")
    key = ed25519.Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed))
    signature = key.sign(b"event")
    ed25519.Ed25519PublicKey.from_public_bytes(base64.b64decode(public)).verify(signature, b"event")
