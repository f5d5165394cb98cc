"""The tool runner: answers tool requests on NATS by calling the clinic's webhooks."""
