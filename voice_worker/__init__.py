"""The voice worker: Camille herself, a LiveKit Agents worker on the OpenAI Realtime model."""
