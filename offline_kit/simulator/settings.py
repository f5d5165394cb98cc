"""Settings of `camille simulator` (read once by its command, never at import time)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from runtime.settings import CommonSettings


class SimulatorSettings(CommonSettings):
    simulator_host: str = Field(default="127.0.0.1", description="Interface the simulator listens on.")
    simulator_port: int = Field(default=8790, ge=0, le=65535, description="Port of the simulator (0: any free one).")
    simulator_api_key: SecretStr | None = Field(
        default=None, description="The only API key the simulator accepts; unset: any key of the right format."
    )
    simulator_speed: float = Field(default=1.0, gt=0, le=100, description="Pace of the model's audio vs real time.")
    speech_cache_dir: Path | None = Field(
        default=None, description="Where synthesised speech is cached; unset: ~/.cache/camille/speech."
    )

    def production_problems(self) -> list[str]:
        # the simulator never serves real calls, so it refuses to run as if it did
        return ["the realtime simulator is a development tool: unset CAMILLE_ENV=production to run it"]
