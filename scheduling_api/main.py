"""Running the reference API as a process."""

from __future__ import annotations

import logging

from runtime import logs
from runtime.serve import wait_for_stop_signal
from scheduling_api.server import reference_backend_running
from scheduling_api.settings import ReferenceSettings

log = logging.getLogger(__name__)


async def serve(host: str, port: int) -> None:
    settings = ReferenceSettings()
    logs.configure(settings.log_level)
    async with reference_backend_running(settings, host=host, port=port) as url:
        log.info("reference scheduling API ready on %s", url)
        await wait_for_stop_signal()
