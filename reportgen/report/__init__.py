"""The report side: findings → sections (`build`, one module per chapter, over a `Context`) →
ReportModel → HTML / PDF / CSV (`render`); `write` runs it all, a process per language.

Submodules are imported where used (`from reportgen.report.write import write_reports`), so
importing `reportgen.report.i18n` does not pull in matplotlib or WeasyPrint.
"""
