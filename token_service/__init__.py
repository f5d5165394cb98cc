"""The token service: the caller's web page at `/` and `POST /api/token`, which opens a fresh LiveKit room per call
with the `camille` agent dispatched into it and returns a short-lived access token for a random caller identity."""
