"""The committed AsyncAPI and OpenAPI documents match what the code generates (run `camille tool-runner docs`)."""

from __future__ import annotations

import json

from camille.docs import ASYNCAPI_FILE, HERE, OPENAPI_FILE, asyncapi_document, openapi_document, render
from contracts.subjects import tool_subject
from contracts.tools import ToolName
from contracts.webhooks import WebhookOperation


def test_asyncapi_is_up_to_date() -> None:
    """tool_runner/asyncapi.json equals the FastStream-generated document and has a channel per tool."""
    generated = asyncapi_document()
    assert (HERE / ASYNCAPI_FILE).read_text() == render(generated), "run: camille tool-runner docs"
    addresses = {channel["address"] for channel in generated["channels"].values()}
    assert addresses == {tool_subject(tool) for tool in ToolName}
    assert "ToolRequest" in generated["components"]["schemas"]


def test_openapi_is_up_to_date() -> None:
    """tool_runner/openapi.json equals the generated OpenAPI 3.1 document with the five webhook endpoints."""
    generated = json.loads(render(openapi_document()))
    assert (HERE / OPENAPI_FILE).read_text() == render(generated), "run: camille tool-runner docs"
    assert generated["openapi"].startswith("3.1")
    assert set(generated["paths"]) == {f"/v1/{operation.value}" for operation in WebhookOperation}
