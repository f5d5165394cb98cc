"""A load test's PNG plots: latency distributions, and CPU and memory over time by process role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

BUDGETS_MS = {"greeting": 250.0, "response": 150.0, "tool round trip": 100.0}


def write_plots(report: dict[str, Any], directory: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    ok = [call for call in report["per_call"] if not call.get("error")]
    samples = {
        "greeting": [c["greeting_ms"] for c in ok if c.get("greeting_ms") is not None],
        "response": [ms for c in ok for ms in c["response_ms"]],
        "tool round trip": [ms for c in ok for ms in c["tool_ms"]],
        "barge-in": [ms for c in ok for ms in c["barge_in_ms"]],
    }
    title = f"{report['calls']} calls, processes: {report['processes']}, scenario: {report['scenario']}"
    figure, axes = plt.subplots(2, 2, figsize=(11, 7))
    for axis, (name, values) in zip(axes.flat, samples.items(), strict=True):
        if values:
            axis.hist(values, bins=40, color="tab:blue")
            for q, style in ((50, ":"), (95, "--")):
                axis.axvline(sorted(values)[min(len(values) - 1, int(len(values) * q / 100))], color="k", ls=style)
        if name in BUDGETS_MS:
            axis.axvline(BUDGETS_MS[name], color="tab:red", label="target")
            axis.legend()
        axis.set_title(f"{name} (n={len(values)}; dotted p50, dashed p95)")
        axis.set_xlabel("ms")
    figure.suptitle(title)
    figure.tight_layout()
    latency = directory / "latency.png"
    figure.savefig(latency, dpi=90)
    plt.close(figure)

    series = report["series"]
    figure, (cpu_axis, memory_axis) = plt.subplots(2, 1, figsize=(11, 7), sharex=True)
    roles = sorted(series["cpu_cores"])
    if series["at_s"]:
        cpu_axis.stackplot(series["at_s"], *[series["cpu_cores"][role] for role in roles], labels=roles)
        cpu_axis.plot(series["at_s"], series["busy_cores"], color="k", lw=1, label="machine (every process)")
        memory_axis.stackplot(series["at_s"], *[series["rss_mb"].get(role, []) for role in roles], labels=roles)
        for axis in (cpu_axis, memory_axis):
            calls = axis.twinx()
            calls.plot(series["at_s"], series["active_calls"], color="tab:red", lw=1.5)
            calls.set_ylabel("active calls", color="tab:red")
    cpu_axis.axhline(report["cores"] or 1, color="grey", ls="--")
    cpu_axis.set_ylabel("CPU (cores)")
    cpu_axis.legend(loc="upper left", fontsize="small")
    memory_axis.set_ylabel("RSS (MB)")
    memory_axis.set_xlabel("seconds")
    figure.suptitle(f"{title}: CPU and memory by process role")
    figure.tight_layout()
    resources = directory / "resources.png"
    figure.savefig(resources, dpi=90)
    plt.close(figure)
    return [latency, resources]
