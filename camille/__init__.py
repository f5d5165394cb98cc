"""Camille's runtime: the `camille` command, settings, the NATS bus helper, the clinic file, telemetry."""
