"""`camille nats credentials DIR`: one NKEY seed per service and the nats-server `authorization` block for them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from contracts.subjects import CALL_STATE_BUCKET, IDEMPOTENCY_BUCKET

app = typer.Typer(help="NATS identities and permissions.", no_args_is_help=True)


@app.command("credentials")
def credentials(
    directory: Annotated[Path, typer.Argument(help="Where to write the seeds (0600) and nats-auth.conf.")],
    idempotency_bucket: Annotated[str, typer.Option(help="The tool runner's CAMILLE_IDEMPOTENCY_BUCKET.")] = (
        IDEMPOTENCY_BUCKET
    ),
    call_state_bucket: Annotated[str, typer.Option(help="The tool runner's CAMILLE_CALL_STATE_BUCKET.")] = (
        CALL_STATE_BUCKET
    ),
) -> None:
    """Write `<identity>.nk` for each service (kept if it exists: run it again after adding an identity) and
    `nats-auth.conf`, the server's users and permissions (public keys only), to `include` in nats-server's config.
    Give each service its own seed file alone, as CAMILLE_NATS_CREDS_FILE."""
    from runtime.identities import Buckets, Identity, seed_file, write_credentials

    conf = write_credentials(directory, Buckets(idempotency_bucket, call_state_bucket))
    for identity in Identity:
        typer.echo(f"{identity.value}: {seed_file(directory, identity)}")
    typer.echo(f"nats-server authorization block: {conf}")
