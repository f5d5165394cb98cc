"""`camille simulator`: the realtime protocol simulator on its own, for a voice worker pointed at it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from offline_kit.simulator.scenario import Scenario

app = typer.Typer(help="A local OpenAI Realtime protocol server.", add_completion=False)


@app.callback(invoke_without_command=True)
def simulator(
    scenario: Annotated[str, typer.Option(help="A shipped scenario name or a scenario YAML path.")] = "booking",
    host: Annotated[str | None, typer.Option(help="Interface [CAMILLE_SIMULATOR_HOST, 127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port, 0 for any free one [CAMILLE_SIMULATOR_PORT, 8790].")] = None,
    speed: Annotated[float | None, typer.Option(help="Pace of the model's audio vs real time.")] = None,
    list_scenarios: Annotated[bool, typer.Option("--list", help="List the shipped scenarios and exit.")] = False,
) -> None:
    """Serve ws://HOST:PORT/v1/realtime, answering every connection with the scenario's model behaviour."""
    from offline_kit.simulator.scenario import ScenarioError, load_scenario, shipped_scenarios
    from offline_kit.simulator.settings import SimulatorSettings
    from runtime.logs import configure

    if list_scenarios:
        for name in shipped_scenarios():
            typer.echo(f"{name}: {' '.join(load_scenario(name).description.split())}")
        return
    settings = SimulatorSettings()
    configure(settings.log_level)
    try:
        loaded = load_scenario(scenario)
    except ScenarioError as exc:
        typer.echo(f"camille simulator: {exc}", err=True)
        raise typer.Exit(2) from None
    asyncio.run(
        _serve(
            loaded,
            host=host or settings.simulator_host,
            port=settings.simulator_port if port is None else port,
            speed=speed or settings.simulator_speed,
            api_key=settings.simulator_api_key.get_secret_value() if settings.simulator_api_key else None,
            cache_dir=settings.speech_cache_dir,
        )
    )


async def _serve(
    scenario: Scenario, *, host: str, port: int, speed: float, api_key: str | None, cache_dir: Path | None
) -> None:
    from offline_kit.simulator.server import SIMULATOR_API_KEY, RealtimeSimulator
    from runtime.serve import wait_for_stop_signal

    simulator = RealtimeSimulator(scenario, host=host, port=port, speed=speed, api_key=api_key, cache_dir=cache_dir)
    async with simulator as sim:
        key_hint = "<CAMILLE_SIMULATOR_API_KEY>" if api_key else SIMULATOR_API_KEY
        typer.echo(f"realtime simulator: scenario {scenario.name} on {sim.base_url}")
        typer.echo(f"  point a voice worker at it: OPENAI_BASE_URL={sim.base_url} OPENAI_API_KEY={key_hint}")
        await wait_for_stop_signal()
        typer.echo(f"stopping: {len(sim.connections)} connection(s) served")
