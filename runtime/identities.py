"""Who may do what on the bus: one NATS user per service, each allowed only the subjects it needs.

The same table configures the embedded nats-server of `camille up`, `make demo` and the tests, and the
`authorization` block that `camille nats credentials` writes for a production server, so every test runs under the
permissions production has. Users are NKEYs (an Ed25519 key pair per identity; the server holds only the public
keys). NATS denies whatever a user's allow lists do not name; anonymous clients are refused (no `no_auth_user`).

Everything not listed is denied, which is what matters most: only the audit sink reads the audit stream (creating a
consumer, fetching, acknowledging); nobody may delete or purge it (no `$JS.API.STREAM.DELETE|PURGE` anywhere, and the
stream itself has `deny_delete`/`deny_purge`); only the tool runner receives tool requests, in its queue group, and it
may publish to a reply subject only in answer to a request it received (`allow_responses`); each identity receives
replies on its own inbox prefix alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import nkeys

from contracts.subjects import (
    ALERTS_WILDCARD,
    AUDIT_CONSUMER,
    AUDIT_DEAD_LETTER,
    AUDIT_DEAD_LETTER_STREAM,
    AUDIT_STREAM,
    AUDIT_WILDCARD,
    CALL_STATE_BUCKET,
    IDEMPOTENCY_BUCKET,
    REPLAY_WILDCARD,
    TOOLS_QUEUE_GROUP,
    TOOLS_WILDCARD,
)

DEAD_LETTER_STREAM = AUDIT_DEAD_LETTER_STREAM
SEED_SUFFIX = ".nk"


class Identity(StrEnum):
    VOICE_WORKER = "voice-worker"
    TOOL_RUNNER = "tool-runner"
    AUDIT_SINK = "audit-sink"
    AUDIT_REPLAY = "audit-replay"
    ALERT_READER = "alert-reader"


def inbox_prefix(identity: Identity | str) -> str:
    """Where this identity's replies arrive (request/reply, JetStream acknowledgements, fetched messages)."""
    return f"_INBOX.{identity}"


def _rule(allowed: tuple[str, ...]) -> dict[str, list[str]]:
    # An empty allow list is no restriction at all to nats-server: nothing allowed has to be said as "deny all".
    return {"allow": list(allowed)} if allowed else {"deny": [">"]}


@dataclass(frozen=True)
class Permissions:
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]
    allow_responses: bool = False

    def server_block(self) -> dict[str, object]:
        block: dict[str, object] = {"publish": _rule(self.publish), "subscribe": _rule(self.subscribe)}
        if self.allow_responses:
            block["allow_responses"] = {"max": 1}
        return block


@dataclass(frozen=True)
class Buckets:
    """The tool runner's key-value buckets (its settings may rename them; the server's permissions must follow)."""

    idempotency: str = IDEMPOTENCY_BUCKET
    call_state: str = CALL_STATE_BUCKET

    def names(self) -> tuple[str, ...]:
        return (self.idempotency, self.call_state)


DEFAULT_BUCKETS = Buckets()


def _kv(bucket: str) -> tuple[str, ...]:
    stream = f"KV_{bucket}"
    return (
        f"$JS.API.STREAM.CREATE.{stream}",
        f"$JS.API.STREAM.INFO.{stream}",
        f"$JS.API.STREAM.MSG.GET.{stream}",
        f"$JS.API.DIRECT.GET.{stream}",
        f"$JS.API.DIRECT.GET.{stream}.>",
        f"$KV.{bucket}.>",
    )


def _stream_admin(stream: str) -> tuple[str, ...]:
    """Create, update and read the settings of one stream; never delete or purge it."""
    return tuple(f"$JS.API.STREAM.{verb}.{stream}" for verb in ("CREATE", "UPDATE", "INFO"))


def permissions(identity: Identity, buckets: Buckets = DEFAULT_BUCKETS) -> Permissions:
    """The subjects `identity` may publish to and subscribe to; nothing else."""
    inbox = f"{inbox_prefix(identity)}.>"
    match identity:
        case Identity.VOICE_WORKER:
            # Tool requests, audit events (JetStream answers on the inbox), alerts. It reads nothing but its replies.
            return Permissions(publish=(TOOLS_WILDCARD, AUDIT_WILDCARD, ALERTS_WILDCARD), subscribe=(inbox,))
        case Identity.TOOL_RUNNER:
            kv = tuple(subject for bucket in buckets.names() for subject in _kv(bucket))
            return Permissions(
                # Tool subjects: its readiness probe asks its own queue group; the answers go by allow_responses.
                publish=(TOOLS_WILDCARD, *kv),
                subscribe=(f"{TOOLS_WILDCARD} {TOOLS_QUEUE_GROUP}", inbox),
                allow_responses=True,
            )
        case Identity.AUDIT_SINK:
            consumer = f"{AUDIT_STREAM}.{AUDIT_CONSUMER}"
            return Permissions(
                publish=(
                    *_stream_admin(AUDIT_STREAM),
                    *_stream_admin(DEAD_LETTER_STREAM),
                    f"$JS.API.CONSUMER.CREATE.{consumer}",
                    f"$JS.API.CONSUMER.CREATE.{consumer}.>",
                    f"$JS.API.CONSUMER.DURABLE.CREATE.{consumer}",
                    f"$JS.API.CONSUMER.INFO.{consumer}",
                    f"$JS.API.CONSUMER.MSG.NEXT.{consumer}",
                    f"$JS.ACK.{consumer}.>",
                    AUDIT_DEAD_LETTER,
                    # `camille audit dead-letters`: read a dead letter, requeue it (still signed), remove it.
                    f"$JS.API.STREAM.MSG.GET.{DEAD_LETTER_STREAM}",
                    f"$JS.API.STREAM.MSG.DELETE.{DEAD_LETTER_STREAM}",
                    AUDIT_WILDCARD,
                ),
                subscribe=(inbox,),
            )
        case Identity.AUDIT_REPLAY:
            # Re-publishes stored events, each with its original signature: it cannot make one up.
            return Permissions(publish=(AUDIT_WILDCARD, REPLAY_WILDCARD, "$JS.API.STREAM.NAMES"), subscribe=(inbox,))
        case Identity.ALERT_READER:
            return Permissions(publish=(), subscribe=(ALERTS_WILDCARD,))
    raise ValueError(f"unknown identity {identity!r}")


# -- keys ------------------------------------------------------------------------------------------------------------


def new_seed() -> bytes:
    """A fresh NKEY user seed (`SU...`): the private half, which only the identity's own process holds."""
    return bytes(nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER))


def public_key(seed: bytes) -> str:
    """The `U...` public key the server checks the identity's signature of its nonce against."""
    key: bytes = nkeys.from_seed(seed.strip()).public_key
    return key.decode()


def seed_file(directory: Path, identity: Identity | str) -> Path:
    return directory / f"{identity}{SEED_SUFFIX}"


def write_private_once(path: Path, data: bytes) -> None:
    """Create `path` with `data`, readable by its owner only, unless it exists (another process made it first).

    Written beside it, then linked into place: a process that finds the file finds it whole.
    """
    if path.exists():
        return
    fd, staged = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        with contextlib.suppress(FileExistsError):
            os.link(staged, path)
    finally:
        os.unlink(staged)


@dataclass
class Credentials:
    """One seed file per identity in a directory (0700, files 0600), created on first use and kept."""

    directory: Path
    extra: Mapping[str, Permissions | None] = field(default_factory=dict)

    def ensure(self, identities: Iterable[str]) -> dict[str, str]:
        """Make a seed for each identity that has none; return identity -> public key."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o700)
        public = {}
        for identity in identities:
            path = seed_file(self.directory, identity)
            if not path.exists():
                write_private_once(path, new_seed() + b"\n")
            public[identity] = public_key(path.read_bytes())
        return public


def authorization(public_keys: Mapping[str, str], buckets: Buckets = DEFAULT_BUCKETS,
                  extra: Mapping[str, Permissions | None] | None = None) -> str:  # fmt: skip
    """The nats-server `authorization` block: one NKEY user per identity with its permissions (JSON is valid NATS
    configuration syntax). `extra` adds users (None: unrestricted) for tests alone."""
    users = []
    for name, key in public_keys.items():
        if name in Identity.__members__.values():
            rules: Permissions | None = permissions(Identity(name), buckets)
        else:
            rules = (extra or {}).get(name)
        user: dict[str, object] = {"nkey": key}
        if rules is not None:
            user["permissions"] = rules.server_block()
        users.append(user)
    return "authorization " + json.dumps({"users": users}, indent=2) + "\n"


def write_credentials(directory: Path, buckets: Buckets = DEFAULT_BUCKETS) -> Path:
    """One seed per service in `directory` and the server's `authorization` block beside them (`nats-auth.conf`,
    public keys only). Existing seeds are kept. Returns the block's path."""
    credentials = Credentials(directory)
    public = credentials.ensure(identity.value for identity in Identity)
    conf = directory / "nats-auth.conf"
    conf.write_text(authorization(public, buckets))
    return conf
