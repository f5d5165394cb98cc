"""`camille bench`: the benchmarks of the tool path, the audit path and the voice agent."""
