"""https webhooks: the tool runner's HTTP clients check the certificate against the system's trust store, or against
CAMILLE_WEBHOOK_CA_FILE alone when the clinic's webhooks carry certificates from its own CA."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from pydantic import ValidationError

from camille.secrets import cert_pem, issue_server_cert, key_pem, new_ca
from tool_runner.http import TRANSPORTS, Transport, TransportFailure, http_poster
from tool_runner.routing import Timeouts
from tool_runner.settings import ToolRunnerSettings

TIMEOUTS = Timeouts(connect_s=5, read_s=5, total_s=10)


def make_ca(directory: Path, name: str) -> tuple[Path, object, object]:
    cert, key = new_ca(name)
    path = directory / f"{name}.pem"
    path.write_bytes(cert_pem(cert))
    return path, cert, key


@pytest.fixture(scope="module")
def clinic_ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object, object]:
    return make_ca(tmp_path_factory.mktemp("clinic-ca"), "clinic-ca")


@pytest.fixture(scope="module")
async def https_webhook(
    clinic_ca: tuple[Path, object, object], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A local https server whose certificate, for localhost, the clinic's own CA signed."""
    _, ca_cert, ca_key = clinic_ca
    cert, key = issue_server_cert(ca_cert, ca_key, ["localhost"])  # type: ignore[arg-type]
    directory = tmp_path_factory.mktemp("webhook-tls")
    (directory / "cert.pem").write_bytes(cert_pem(cert))
    (directory / "key.pem").write_bytes(key_pem(key))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(directory / "cert.pem", directory / "key.pem")

    async def answer(request: web.Request) -> web.Response:
        return web.json_response({"received": len(await request.read())})

    app = web.Application()
    app.router.add_post("/hook", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"https://localhost:{port}/hook"
    await runner.cleanup()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_webhook_signed_by_the_configured_ca_is_reached(
    transport: Transport, https_webhook: str, clinic_ca: tuple[Path, object, object]
) -> None:
    """With CAMILLE_WEBHOOK_CA_FILE naming the clinic's CA, every HTTP client gets the answer over TLS."""
    poster = http_poster(transport, ca_file=clinic_ca[0])
    try:
        answer = await poster.post(https_webhook, b"{}", {"content-type": "application/json"}, TIMEOUTS, 1024)
    finally:
        await poster.aclose()
    assert answer.status == 200 and answer.body == b'{"received": 2}'


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_certificate_nobody_trusts_is_refused(transport: Transport, https_webhook: str, tmp_path: Path) -> None:
    """Without the CA (the system's trust store) or with another CA, the connection fails: nothing is sent."""
    other_ca, _, _ = make_ca(tmp_path, "other-ca")
    for ca_file in (None, other_ca):
        poster = http_poster(transport, ca_file=ca_file)
        try:
            with pytest.raises(TransportFailure) as failure:
                await poster.post(https_webhook, b"{}", {}, TIMEOUTS, 1024)
        finally:
            await poster.aclose()
        # httpx-aiohttp reports every aiohttp connection error, a refused certificate too, as a connect timeout.
        assert failure.value.kind == ("timeout" if transport == "httpx-aiohttp" else "connection")


def test_a_ca_file_that_does_not_exist_is_refused_at_start(tmp_path: Path) -> None:
    """CAMILLE_WEBHOOK_CA_FILE must name an existing file, in every environment."""
    with pytest.raises(ValidationError, match="webhook_ca_file"):
        ToolRunnerSettings(webhook_ca_file=tmp_path / "missing.pem", data_dir=tmp_path)
