"""Running the reference API as a process."""

from __future__ import annotations

import logging

from camille import logs
from tool_runner.main import wait_for_stop_signal
from tool_runner.reference.server import reference_backend_running
from tool_runner.reference.settings import ReferenceSettings

log = logging.getLogger(__name__)


async def serve(host: str, port: int) -> None:
    settings = ReferenceSettings()
    logs.configure(settings.log_level)
    async with reference_backend_running(settings, host=host, port=port) as url:
        log.info("reference scheduling API ready on %s", url)
        await wait_for_stop_signal()
