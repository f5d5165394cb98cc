"""`camille demo`: one scripted call, offline, through the whole system.

An embedded nats-server (or NATS_URL), the reference scheduling API, the tool runner, the audit sink, the realtime
simulator, and the real voice agent on the caller's scripted audio. Prints the live transcript with timings, writes
the call to a WAV file, and `--json` writes the figures for machines.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import tempfile
import time
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer

from runtime.logs import configure

app = typer.Typer(help="One scripted call, offline, through the whole system.", add_completion=False)
log = logging.getLogger(__name__)


@app.callback(invoke_without_command=True)
def demo(
    scenario: Annotated[str, typer.Option(help="A shipped scenario name or a scenario YAML path.")] = "booking",
    wav: Annotated[Path, typer.Option(help="Where to write the call audio (caller left, Camille right).")] = Path(
        "camille-demo.wav"
    ),
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the call's figures as JSON here.")] = None,
    speed: Annotated[float, typer.Option(help="Run the call this many times faster than real time.")] = 1.0,
    timeout_s: Annotated[float, typer.Option(help="Give up on the call after this many seconds.")] = 180.0,
) -> None:
    """Run one scripted call through Camille and print what was said, with timings."""
    if not logging.getLogger().handlers:  # leave a host's logging (pytest's capture) alone
        configure("WARNING")
    logging.getLogger("livekit.agents").setLevel(logging.ERROR)  # "no pause on this output": true, and expected
    from offline_kit.simulator import ScenarioError

    try:
        report = asyncio.run(run_demo(scenario, wav=wav, speed=speed, timeout_s=timeout_s, echo=typer.echo))
    except ScenarioError as exc:
        typer.echo(f"camille demo: {exc}", err=True)
        raise typer.Exit(2) from None
    if json_path is not None:
        json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        typer.echo(f"figures written to {json_path}")
    if report["end_reason"] is None:
        raise typer.Exit(1)


async def run_demo(
    scenario_ref: str, *, wav: Path | None, speed: float, timeout_s: float, echo: Any = print
) -> dict[str, Any]:
    from audit_sink.settings import AuditSinkSettings
    from camille.stack import local_stack
    from offline_kit.local_call import TranscriptLine, offline_phrasebook, run_simulated_call
    from offline_kit.simulator import load_scenario, write_call_wav
    from runtime.bus import connect, nats_endpoint
    from runtime.clinic import load_clinic
    from runtime.identities import Identity
    from tool_runner.settings import ToolRunnerSettings
    from voice_worker.settings import VoiceWorkerSettings

    scenario = load_scenario(scenario_ref)
    with tempfile.TemporaryDirectory(prefix="camille-demo-") as tmp:
        data_dir = Path(tmp)
        settings = VoiceWorkerSettings(data_dir=data_dir, env="development")
        clinic = load_clinic(settings.clinic_file)
        phrasebook, rendered = await offline_phrasebook(settings, clinic)
        if rendered:
            echo(f"rendered {rendered} fixed phrase(s) offline into {settings.phrase_cache_dir}")
        tools = ToolRunnerSettings(data_dir=data_dir, env="development")
        audit = AuditSinkSettings(data_dir=data_dir, env="development")
        with nats_endpoint(settings) as nats:
            async with local_stack(nats, tools, audit) as stack:
                nc = await connect(nats, Identity.VOICE_WORKER, name="camille-demo")
                try:
                    echo(f"scenario {scenario.name}: calling Camille")

                    def show(line: TranscriptLine) -> None:
                        who = {"camille": "Camille", "caller": "Appelant", "tool": "  outil"}[line.speaker]
                        echo(f"[{line.at_s:6.2f} s] {who}: {line.text}")

                    async with staged_backend(scenario.backend, stack.reference_url, nc, scenario.today()):
                        started = time.monotonic()
                        local = await run_simulated_call(
                            settings,
                            clinic,
                            phrasebook,
                            scenario,
                            nc=nc,
                            speed=speed,
                            timeout_s=timeout_s,
                            on_line=show,
                        )
                        elapsed = time.monotonic() - started
                    stored = await stack.stored_events(local.call.ctx.call_id, local.call.ctx.audit.published)
                    verified_trail = await asyncio.to_thread(stack.sink.store.verify)  # `camille audit verify`
                finally:
                    await nc.close()
        if wav is not None:
            write_call_wav(wav, local.caller, local.output, stereo=True)
    metrics = local.call.ctx.metrics
    report: dict[str, Any] = {
        "scenario": scenario.name,
        "call_id": local.call.ctx.call_id,
        "end_reason": local.end_reason.value if local.end_reason else None,
        "duration_s": round(elapsed, 3),
        "greeting_ms": _ms(metrics.greeting_ms),
        "response_ms": [_ms(v) for v in metrics.response_ms],
        "tool_round_trips_ms": [{"tool": tool.value, "ms": _ms(v)} for tool, v in metrics.tool_ms],
        "barge_ins": metrics.barge_ins,
        "phrases_played": [key.value for key in local.call.ctx.played],
        "tool_calls": [call["name"] for call in local.tool_calls],
        "audit_events_published": local.call.ctx.audit.published,
        "audit_events_stored": stored,
        "audit_verified": verified_trail.ok,
        "wav": str(wav) if wav else None,
        "transcript": [{"at_s": round(x.at_s, 3), "speaker": x.speaker, "text": x.text} for x in local.lines],
    }
    echo("")
    echo(f"call ended: {report['end_reason']} after {elapsed:.1f} s")
    echo(f"greeting latency (join -> first audio frame): {report['greeting_ms']} ms")
    for trip in report["tool_round_trips_ms"]:
        echo(f"tool {trip['tool']}: {trip['ms']} ms round trip")
    if report["response_ms"]:
        echo(f"response latency per turn (ms): {report['response_ms']}")
    verdict = "chains verified" if verified_trail.ok else "VERIFY FAILED"
    echo(f"audit: {report['audit_events_published']} published, {stored} stored, {verdict}")
    if wav is not None:
        echo(f"call audio: {wav}")
    return report


@contextlib.asynccontextmanager
async def staged_backend(setup: Any, reference_url: str | None, nc: Any, today: Any) -> Any:
    """Stage the reference backend as a scenario's `backend:` says (closed days, failing tools, existing
    appointments), and undo what can be undone afterwards. Appointments are booked through the tool runner."""
    import datetime as dt

    import httpx

    from contracts.subjects import tool_subject
    from contracts.tools import BookAppointmentArgs, ToolName, ToolReply, ToolRequest

    setup = setup.resolved(today) if setup is not None else None
    if setup is None or reference_url is None:
        yield
        return
    async with httpx.AsyncClient(base_url=reference_url, timeout=5.0) as admin:
        for day in setup.closed_days:
            (await admin.post("/admin/closed-days", json={"date": day})).raise_for_status()
        for appointment in setup.appointments:
            request = ToolRequest.create(
                call_id=f"staging-{uuid.uuid4().hex[:16]}",  # a call of its own: the per-call limits do not add up
                tool_call_id=uuid.uuid4().hex,
                deadline=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=10),
                arguments=BookAppointmentArgs.model_validate(appointment),
            )
            answer = await nc.request(tool_subject(ToolName.BOOK_APPOINTMENT), request.model_dump_json().encode(), 10)
            if not ToolReply.model_validate_json(answer.data).ok:
                log.warning("staged appointment not booked (already there?)")
        if setup.failing_tools:
            fault = {"status": 500, "count": -1, "tools": setup.failing_tools}
            (await admin.post("/admin/faults", json=fault)).raise_for_status()
        try:
            yield
        finally:
            (await admin.delete("/admin/faults")).raise_for_status()
            for day in setup.closed_days:
                (await admin.delete(f"/admin/closed-days/{day}")).raise_for_status()


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
