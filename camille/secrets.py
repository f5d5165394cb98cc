"""`camille secrets DIR`: the NATS secrets of a Compose deployment, made on this host in one command.

A local certificate authority, the NATS server's certificate signed by it, an NKEY seed per NATS identity,
`nats-users.conf`, which hands the identities' public keys to the server configuration (compose.yaml includes it),
and the voice worker's audit signing key with its public half for the audit sink, as the two env files Compose
gives those services alone (`audit-signing.env`, `audit-verify.env`).
Running it again keeps every file that exists and makes only what is missing, so identities and certificates are
not replaced by accident; delete a file to make it anew. On Kubernetes the certificates come from the cluster's own
issuer instead (docs/deployment.md); the seeds can be made here and loaded into each service's Secret.

The directory is readable by its owner only. The seeds and the CA certificate inside are readable by all (0644) so
that a container running under another uid can read the one file Compose bind-mounts into it; the two private keys
of the PKI and the env files (read by Compose itself, on the host) stay 0600; the CA key is never mounted anywhere.
"""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from runtime.audit_signature import AuditSigner
from runtime.identities import Identity, new_seed, public_key, seed_file

# Every identity that connects to NATS; each gets its own seed and its own permissions (docs/deployment.md).
NATS_IDENTITIES = tuple(identity.value for identity in Identity)
DEFAULT_NATS_HOSTS = ("nats", "localhost", "127.0.0.1")
CA_CERT, CA_KEY = "nats-ca.pem", "nats-ca-key.pem"
SERVER_CERT, SERVER_KEY = "nats-server.pem", "nats-server-key.pem"
USERS_CONF = "nats-users.conf"
SIGNING_ENV, VERIFY_ENV = "audit-signing.env", "audit-verify.env"
CA_DAYS, SERVER_DAYS = 3650, 825


def nkey_variable(identity: str) -> str:
    """The nats-server config variable holding the identity's public key, e.g. NKEY_VOICE_WORKER."""
    return "NKEY_" + identity.upper().replace("-", "_")


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Camille"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])  # fmt: skip


def new_ca(common_name: str = "Camille local NATS CA") -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=not cert_sign, key_cert_sign=cert_sign, crl_sign=cert_sign,
                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                         key_agreement=False, encipher_only=False, decipher_only=False)  # fmt: skip


def issue_server_cert(
    ca_cert: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, hosts: Iterable[str]
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A certificate for a NATS server at `hosts` (names, wildcards or IP addresses), signed by the CA."""
    hosts = list(hosts)
    if not hosts:
        raise ValueError("a server certificate needs at least one host name")
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(hosts[0]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=SERVER_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(cert_sign=False), critical=True)
        # clientAuth too: between clustered servers (Kubernetes) a route is mutual TLS with this same certificate.
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(path: Path, data: bytes, mode: int) -> None:
    path.write_bytes(data)
    path.chmod(mode)


def write_local_secrets(directory: Path, hosts: Iterable[str] = DEFAULT_NATS_HOSTS) -> list[Path]:
    """Make whatever is missing in `directory`; return the files written (nats-users.conf always is)."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    written = []
    ca_cert_path, ca_key_path = directory / CA_CERT, directory / CA_KEY
    if not ca_cert_path.exists():
        ca_cert, ca_key = new_ca()
        _write(ca_key_path, key_pem(ca_key), 0o600)
        _write(ca_cert_path, cert_pem(ca_cert), 0o644)
        written += [ca_key_path, ca_cert_path]
        (directory / SERVER_CERT).unlink(missing_ok=True)  # signed by a CA that is gone: issue it again
    server_path = directory / SERVER_CERT
    if not server_path.exists():
        ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
        loaded = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
        if not isinstance(loaded, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{ca_key_path}: not the EC key this command makes")
        cert, key = issue_server_cert(ca_cert, loaded, hosts)
        _write(directory / SERVER_KEY, key_pem(key), 0o600)
        _write(server_path, cert_pem(cert), 0o644)
        written += [directory / SERVER_KEY, server_path]
    lines = ["# Public NKEYs of Camille's NATS identities, written by `camille secrets` from the seeds beside it."]
    for identity in NATS_IDENTITIES:
        seed_path = seed_file(directory, identity)
        if not seed_path.exists():
            _write(seed_path, new_seed() + b"\n", 0o644)
            written.append(seed_path)
        lines.append(f'{nkey_variable(identity)}: "{public_key(seed_path.read_bytes())}"')
    _write(directory / USERS_CONF, ("\n".join(lines) + "\n").encode(), 0o644)
    if not (directory / SIGNING_ENV).exists():
        signer = AuditSigner.generate()
        _write(directory / SIGNING_ENV, f"CAMILLE_AUDIT_SIGNING_KEY={signer.signing_key_text()}\n".encode(), 0o600)
        _write(directory / VERIFY_ENV, f"CAMILLE_AUDIT_VERIFY_KEYS={signer.verify_key_text()}\n".encode(), 0o600)
        written += [directory / SIGNING_ENV, directory / VERIFY_ENV]
    return [*written, directory / USERS_CONF]


def secrets(
    directory: Annotated[Path, typer.Argument(help="Where to write them (compose.yaml reads ./secrets).")] = Path(
        "secrets"
    ),
    host: Annotated[
        list[str] | None, typer.Option("--host", help="A name or address of the NATS server (repeat).")
    ] = None,
) -> None:
    """Make the local CA, the NATS server certificate and an NKEY seed per service; keep those already there."""
    for path in write_local_secrets(directory, host or DEFAULT_NATS_HOSTS):
        typer.echo(f"wrote {path}")
