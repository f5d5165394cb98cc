"""Camille's offline kit: the Realtime protocol simulator, offline speech, scripted callers, the local call runner,
the demo, the load test, the benchmarks and the emergency model's training tools.

Development only: installed with the dev extra, absent from the production image, imported by nothing in production.
"""
