"""`python -m reportgen` runs the command line, like the `reportgen` script."""

from reportgen.cli import app

app()
