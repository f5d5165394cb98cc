"""The reference API's composition root: settings in, a listening HTTP server out."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable

from runtime.clinic import load_clinic
from runtime.serve import asgi_served
from runtime.settings import REFERENCE_URL_FILE, CommonSettings, Environment
from runtime.webhook_secret import webhook_secret
from scheduling_api.app import create_app
from scheduling_api.db import open_database
from scheduling_api.settings import ReferenceSettings
from scheduling_api.store import SchedulingStore

DB_FILE = "scheduling.sqlite3"


def reference_settings(settings: CommonSettings) -> ReferenceSettings:
    """Accept any service's settings (e.g. `camille up` passes the tool runner's): shared fields carry over."""
    if isinstance(settings, ReferenceSettings):
        return settings
    shared = {name: getattr(settings, name) for name in CommonSettings.model_fields}
    return ReferenceSettings(**shared, webhook_secret=getattr(settings, "webhook_secret", None))


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def database_url(settings: ReferenceSettings) -> str:
    return settings.reference_db_url or f"sqlite:///{settings.data_dir / DB_FILE}"


def announce(settings: ReferenceSettings, url: str) -> None:
    """Tell tool runners on the same data dir where we listen (development only: a free port then just works)."""
    if settings.env is Environment.DEVELOPMENT:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        (settings.data_dir / REFERENCE_URL_FILE).write_text(url)


def withdraw(settings: ReferenceSettings, url: str) -> None:
    path = settings.data_dir / REFERENCE_URL_FILE
    with contextlib.suppress(OSError):
        if url and path.read_text().strip() == url:
            path.unlink()


@contextlib.asynccontextmanager
async def reference_backend_running(
    settings: CommonSettings,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    clock: Callable[[], dt.datetime] = utc_now,
    db_url: str | None = None,
) -> AsyncIterator[str]:
    """Serve the reference API until exit; yields its base URL (port 0 picks a free one)."""
    settings = reference_settings(settings)
    db = open_database(db_url or database_url(settings))
    store = SchedulingStore(db, load_clinic(settings.clinic_file), clock)
    app = create_app(store, webhook_secret(settings.webhook_secret, settings.data_dir), admin=settings.admin_enabled)
    url = ""
    try:
        async with asgi_served(app, host=host, port=port) as bound:
            url = f"http://{host}:{bound}"
            announce(settings, url)
            try:
                yield url
            finally:
                withdraw(settings, url)
    finally:
        db.close()
