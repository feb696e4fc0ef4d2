"""Executing a plan: the executor, `--check` (reproduce), the progress display, the process pool."""
