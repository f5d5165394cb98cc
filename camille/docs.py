"""`camille tool-runner docs`: the committed API documents, generated from the code: AsyncAPI (the tool runner's
NATS side) and OpenAPI 3.1 (the webhooks, from the reference scheduling API). Both live beside the tool runner."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

import tool_runner
from runtime.settings import SHIPPED_CLINIC_FILE

HERE = Path(tool_runner.__file__).parent
ASYNCAPI_FILE = "asyncapi.json"
OPENAPI_FILE = "openapi.json"


def asyncapi_document() -> dict[str, Any]:
    """What `faststream docs gen --factory tool_runner.service:docs_app` writes."""
    from tool_runner.service import docs_app

    schema = docs_app().schema
    assert schema is not None
    document: dict[str, Any] = schema.to_specification().to_jsonable()
    return document


def openapi_document() -> dict[str, Any]:
    from runtime.clinic import load_clinic
    from scheduling_api.app import create_app
    from scheduling_api.db import open_database
    from scheduling_api.store import SchedulingStore

    store = SchedulingStore(
        open_database("sqlite:///:memory:"), load_clinic(SHIPPED_CLINIC_FILE), lambda: dt.datetime.now(dt.UTC)
    )
    try:
        return create_app(store, "whsec_" + base64.b64encode(b"documentation-only-secret-000000").decode()).openapi()
    finally:
        store.db.close()


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_docs(directory: Path = HERE) -> list[Path]:
    written = []
    for name, document in ((ASYNCAPI_FILE, asyncapi_document()), (OPENAPI_FILE, openapi_document())):
        path = directory / name
        path.write_text(render(document), encoding="utf-8")
        written.append(path)
    return written


def docs(
    directory: Annotated[Path, typer.Option(help="Where asyncapi.json and openapi.json go.")] = HERE,
) -> None:
    """Regenerate asyncapi.json (from the FastStream app) and openapi.json (from the reference API)."""
    for path in write_docs(directory):
        typer.echo(f"wrote {path}")
