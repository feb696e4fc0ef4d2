"""The store: every on-disk format of an output folder, its records and its lock."""
