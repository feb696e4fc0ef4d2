"""The report side: ResultSet → ReportModel (`build`) → HTML / PDF / CSV (`render`).

Submodules are imported where used (`from reportgen.report.render import write_reports`), so
importing `reportgen.report.i18n` does not pull in matplotlib or WeasyPrint.
"""
