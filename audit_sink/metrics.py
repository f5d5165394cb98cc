"""The audit sink's Prometheus metrics: events stored, dead letters, and how far the consumer is behind the stream."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class AuditSinkMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.stored = Counter(
            "camille_audit_events_stored",
            "Audit events committed to the store (duplicates excluded).",
            registry=registry,
        )
        self.duplicates = Counter(
            "camille_audit_events_duplicate", "Redelivered audit events the store already held.", registry=registry
        )
        self.rejected = Counter(
            "camille_audit_events_rejected",
            "Audit messages refused before the store: unsigned, signed by an unknown key, badly signed, or published "
            "on another call's subject (reason).",
            ["reason"],
            registry=registry,
        )
        self.conflicts = Counter(
            "camille_audit_events_conflicting",
            "Audit events at a call and sequence the store already held with other content (the first is kept).",
            registry=registry,
        )
        self.dead_lettered = Counter(
            "camille_audit_dead_letters",
            "Audit messages this sink moved to the dead-letter stream.",
            registry=registry,
        )
        self.dead_letter_messages = Gauge(
            "camille_audit_dead_letter_messages",
            "Messages in the dead-letter stream now (until an operator requeues them).",
            registry=registry,
        )
        self.lag = Gauge(
            "camille_audit_consumer_lag_events",
            "Audit events in the stream not yet acknowledged by a sink (pending plus in flight).",
            registry=registry,
        )
        self.poll_failures = Counter(
            "camille_audit_consumer_poll_failures",
            "Reads of the backlog that failed or timed out.",
            registry=registry,
        )
