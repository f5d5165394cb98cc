"""The reference scheduling API: what a clinic's own scheduling webhooks look like, runnable out of the box."""
