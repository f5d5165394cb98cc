"""`camille loadtest`'s parts: the calls' plan, the processes that run them, the sampling, the report and plots."""
