"""Errors a user can fix. The CLI prints them as one line and exits with code 2."""


class ReportgenError(Exception):
    """Base for every error caused by user input (manifest, data files, output folder)."""

    def _render_traceback_(self) -> list[str]:
        # IPython/Jupyter show this instead of a traceback: the one line, as the CLI prints it
        return [f"{type(self).__name__}: {self}"]


class ManifestError(ReportgenError):
    """The manifest is not valid TOML, or does not follow the schema."""


class DataError(ReportgenError):
    """A dataset cannot be found or read."""


class StoreError(ReportgenError):
    """An output folder is missing, incomplete or not a reportgen store."""
