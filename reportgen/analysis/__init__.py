"""Findings: language-neutral facts computed once from a ResultSet; no prose, no matplotlib."""
