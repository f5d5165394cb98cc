"""The committed API documents, generated from the code: AsyncAPI (the NATS side) and OpenAPI 3.1 (the webhooks)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

from camille.settings import SHIPPED_CLINIC_FILE

HERE = Path(__file__).parent
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
    from camille.clinic import load_clinic
    from tool_runner.reference.app import create_app
    from tool_runner.reference.db import Database
    from tool_runner.reference.store import SchedulingStore

    store = SchedulingStore(
        Database("sqlite:///:memory:"), load_clinic(SHIPPED_CLINIC_FILE), lambda: dt.datetime.now(dt.UTC)
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
