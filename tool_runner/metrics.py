"""The tool runner's Prometheus metrics: how long each tool call took here and how it failed, by tool and code."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

# Seconds, from the request's arrival to the reply: webhooks take tens of milliseconds, the caller waits 4 s at most.
DURATION_BUCKETS = (0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)


class ToolRunnerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.duration = Histogram(
            "camille_tool_runner_duration_seconds",
            "Tool request received -> reply sent, by tool (every request, whatever its outcome).",
            ["tool"],
            registry=registry,
            buckets=DURATION_BUCKETS,
        )
        self.errors = Counter(
            "camille_tool_runner_errors",
            "Tool requests answered with an error, by tool and error code.",
            ["tool", "code"],
            registry=registry,
        )

        self.refusals = Counter(
            "camille_tool_runner_refusals",
            "Actions the tool runner refused on the call's facts or the clinic's limits, by tool and reason.",
            ["tool", "reason"],
            registry=registry,
        )

    def refused(self, tool: str, reason: str) -> None:
        """One refusal (a `RefusalReason` value: never PHI)."""
        self.refusals.labels(tool, reason).inc()

    def answered(self, tool: str, seconds: float, code: str | None) -> None:
        """One reply: `code` is None on success, else the reply's error code."""
        self.duration.labels(tool).observe(seconds)
        if code is not None:
            self.errors.labels(tool, code).inc()
