"""Expand a manifest's studies into fully resolved runs."""
