"""A study that only searches (`retrain_best = false`): it has no run of its own, and its
search's trials are its results. The summary and the discussion say so, and give the best
trial, instead of "no run finished"."""

from __future__ import annotations

from reportgen.analysis.findings import StudyFindings
from reportgen.report.context import Context
from reportgen.report.model import Cell
from reportgen.report.search_words import SearchWords
from reportgen.store.tuning_records import TuningRecord


def is_search_only(found: StudyFindings) -> bool:
    search = found.study.search
    return search is not None and not search.retrain_best and not found.runs


def key_result(ctx: Context, found: StudyFindings, title: str) -> str | None:
    """The summary's line for a search-only study: its best trial, or that none finished."""
    if not is_search_only(found):
        return None
    trials = sum(len(r.trials) for r in found.searches)
    best = _best(found)
    if best is None:
        return ctx._("“%(study)s”: a search only; none of its %(n)s trials finished.",
                     study=title, n=ctx.integer(trials))
    words = SearchWords(ctx, found)
    record, trial = best
    return ctx.ngettext(
        "“%(study)s”: a search only, not retrained; the best of its %(n)s trial is trial "
        "%(trial)s (%(search)s), with a %(objective)s of %(value)s (%(params)s).",
        "“%(study)s”: a search only, not retrained; the best of its %(n)s trials is trial "
        "%(trial)s (%(search)s), with a %(objective)s of %(value)s (%(params)s).", trials,
    ) % {"study": title, "n": ctx.integer(trials), "trial": ctx.integer(trial["number"]),
         "search": words.search_name(record), "objective": words.objective_name(record),
         "value": words.objective_text(record, trial["value"]),
         "params": _params(ctx, words, record, trial)}


def key_cells(ctx: Context, found: StudyFindings) -> list[Cell] | None:
    """The key-results row of a search-only study: its trials instead of runs, its best trial
    instead of a best run, and the validation accuracy only where the trials measured it (their
    objective); trials are never evaluated on the test split."""
    if not is_search_only(found):
        return None
    trials = sum(len(r.trials) for r in found.searches)
    count = Cell(trials, "int", display=ctx.ngettext(
        "%(n)s trial", "%(n)s trials", trials) % {"n": ctx.integer(trials)})
    best = _best(found)
    if best is None:
        return [count, Cell(None), Cell(None, "num"), Cell(None, "num")]
    record, trial = best
    name = ctx._("trial %(trial)s (%(search)s)", trial=ctx.integer(trial["number"]),
                 search=SearchWords(ctx, found).search_name(record))
    val = trial["value"] if record.objective == "val_accuracy" else None
    return [count, Cell(name), Cell(val, "num"), Cell(None, "num")]


def observation(ctx: Context, found: StudyFindings) -> str | None:
    """The discussion's line for a search-only study."""
    if not is_search_only(found):
        return None
    return ctx._("This study only searches: its trials are its results (compared in its "
                 "search section), and its best configuration was not retrained as a run of "
                 "its own, so there are no runs to compare.")


def answer(ctx: Context, found: StudyFindings) -> str | None:
    """The conclusions' answer for a search-only study: the configuration its best trial
    found, as the trials measured it (worded apart from the summary's line)."""
    if not is_search_only(found):
        return None
    best = _best(found)
    if best is None:
        return ctx._("None of its trials finished, so its search does not answer it.")
    words = SearchWords(ctx, found)
    record, trial = best
    return ctx._(
        "Its search answers it without retraining its best configuration, that of trial "
        "%(trial)s (%(search)s; %(params)s), with a %(objective)s of %(value)s over that "
        "trial's epochs.", search=words.search_name(record),
        trial=ctx.integer(trial["number"]), params=_params(ctx, words, record, trial),
        objective=words.objective_name(record),
        value=words.objective_text(record, trial["value"]))


def _best(found: StudyFindings) -> tuple[TuningRecord, dict] | None:
    """The best finished trial over the study's searches, by their objective's direction."""
    found_best = [(r, r.best) for r in found.searches
                  if r.best is not None and r.best.get("value") is not None]
    if not found_best:
        return None
    maximise = found_best[0][0].direction == "maximize"
    return (max if maximise else min)(found_best, key=lambda pair: pair[1]["value"])


def _params(ctx: Context, words: SearchWords, record: TuningRecord, trial: dict) -> str:
    chosen = trial.get("set") or trial.get("params") or {}
    return "; ".join(f"{words.param_label(record, name)} = {words.value_words(name, value)}"
                     for name, value in chosen.items())
