"""Training several units of work at once: a local process pool (`--jobs`) or Ray
(`--cluster`). Workers train and return results; the driver alone writes the store."""
