"""reportgen: an experiment manifest in, a finished bilingual machine-learning lab report out."""

import os
from importlib.metadata import PackageNotFoundError, version

# OpenMP threads that spin while waiting make small networks collapse as soon as another process
# competes for the cores (measured on 2 cores: a 40-epoch digits MLP took 290 s beside a busy
# process, 2 s with passive waiting). Must be set before torch is first imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

try:
    __version__ = version("reportgen")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"


_API = ("run", "load", "render", "Report", "ReportgenError")


def __getattr__(name: str) -> object:
    """`reportgen.run`, `.load`, `.render`, `.Report`: imported on first use, so that the CLI and
    the library modules do not pay for pandas (see reportgen/api.py)."""
    if name in _API:
        from reportgen import api

        return getattr(api, name)
    raise AttributeError(f"module 'reportgen' has no attribute {name!r}")
