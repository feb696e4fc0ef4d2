"""What a learning curve marks on each run (best epoch, restored weights, early stop) and the
legend entries of those marks: the keywords `figures.learning_curves` and `figures.CurveTexts`
take, for every section that draws curves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reportgen.figures.runs import VALIDATION_ONLY_FROM
from reportgen.report.context import Context
from reportgen.report.i18n import N_
from reportgen.store.records import RunRecord, finite


def curve_marks(records: Iterable[RunRecord]) -> dict[str, list[int | None]]:
    """Per run, the epochs a learning curve marks (`figures.learning_curves`' keywords): the
    best epoch, the one early stopping restored, and the last one when it stopped early."""
    records = list(records)
    return {
        "best_epochs": [r.best_epoch for r in records],
        "restored_epochs": [r.restored_epoch for r in records],
        "stopped_epochs": [r.epochs_run if r.stop_reason == "early_stopped" else None
                           for r in records],
    }


def curve_mark_texts(ctx: Context) -> dict[str, str]:
    """The legend entries of those marks, translated (`figures.CurveTexts`' fields)."""
    return {"best": ctx._("best epoch"), "restored": ctx._("weights restored"),
            "stopped": ctx._("stopped early")}


def best_epoch_of(history: Sequence[Mapping[str, Any]], monitor: str) -> int | None:
    """The epoch of `history` (a mean curve over seeds, say) where `monitor` is best: lowest
    for a loss, highest otherwise; None when it has no finite value."""
    best: tuple[float, int] | None = None
    for position, row in enumerate(history, start=1):
        value = finite(row.get(monitor))
        if value is None:
            continue
        score = value if "loss" in monitor else -value
        if best is None or score < best[0]:
            best = (score, int(row.get("epoch") or position))
    return best[1] if best is not None else None


ERROR_AXIS = N_("Its vertical axis gives the error rate (100 % minus the accuracy) on a log "
                "scale, so that a difference of one point near 100 % shows.")


VALIDATION_CAPTIONS = {  # figures of validation curves only (VALIDATION_ONLY_FROM runs or more)
    "loss": N_("Validation loss per epoch of each configuration of “%(study)s”."),
    "accuracy": N_("Validation accuracy per epoch of each configuration of “%(study)s”."),
}
MEAN_VALIDATION_CAPTIONS = {
    "loss": N_("Mean validation loss per epoch over the seeds of each configuration of "
               "“%(study)s”; the band spans the lowest to the highest seed."),
    "accuracy": N_("Mean validation accuracy per epoch over the seeds of each configuration "
                   "of “%(study)s”; the band spans the lowest to the highest seed."),
}
VALIDATION_ONLY = N_("With %(n)s configurations, only their validation curves are drawn: "
                     "the training curves would hide them (the tables give the training "
                     "figures).")


def curve_caption(ctx: Context, message: str, validation_message: str, metric: str,
                  title: str, as_error: bool, curves: int) -> str:
    """A learning-curve figure's caption: `message`, or `validation_message` when only the
    validation curves are drawn (VALIDATION_ONLY_FROM curves or more), then what its axis
    and its lines show when they depart from the usual."""
    only_validation = curves >= VALIDATION_ONLY_FROM
    caption = ctx._(validation_message if only_validation else message, study=title)
    if as_error and metric == "accuracy":
        caption += " " + ctx._(ERROR_AXIS)
    if only_validation:
        caption += " " + ctx._(VALIDATION_ONLY, n=ctx.count(curves))
    return caption


def accuracy_axis_label(ctx: Context, as_error: bool) -> str:
    """The accuracy figure's y label: the error rate when it is drawn instead (see
    `figures.accuracy_as_error`)."""
    return ctx._("Error rate (%, log scale)") if as_error else ctx._("Accuracy")
