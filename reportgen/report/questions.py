"""The question each study answers: the manifest's `question`, else one generated from what
the study varies ("How does the hidden-layer width affect validation accuracy?")."""

from __future__ import annotations

from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.runs import varied_paths
from reportgen.report.context import Context
from reportgen.report.i18n import N_
from reportgen.report.labels import ACCURACY_NAMES
from reportgen.report.search_words import OBJECTIVE_NAMES

# A factor as the subject of "How does … affect …?", with its article (the Spanish needs it).
FACTORS = {
    "model.type": N_("the model type"),
    "model.filters": N_("the number of convolution filters"),
    "model.kernel": N_("the kernel size"),
    "model.hidden": N_("the hidden-layer width"),
    "model.activation": N_("the activation function"),
    "model.init": N_("the weight initialisation"),
    "model.dropout": N_("the dropout rate"),
    "model.batchnorm": N_("batch normalisation"),
    "model.l1": N_("the L1 penalty"),
    "model.l2": N_("the L2 penalty"),
    "training.optimizer": N_("the choice of optimizer"),
    "training.optimizer.name": N_("the choice of optimizer"),
    "training.optimizer.lr": N_("the learning rate"),
    "training.optimizer.momentum": N_("momentum"),
    "training.batch_size": N_("the batch size"),
    "training.epochs": N_("the number of epochs"),
    "training.schedule": N_("the learning-rate schedule"),
    "training.schedule.kind": N_("the learning-rate schedule"),
    "training.early_stopping": N_("the use of early stopping"),
    "engine": N_("the training engine"),
}
IGNORED = {"seed", "device"}  # repeats and hardware are not what a study asks about


def factor_phrase(ctx: Context, path: str, found: StudyFindings | None = None) -> str:
    if path == "model.hidden" and found is not None and len(
            {len(v) for r in found.runs if isinstance(v := r.varied.get(path), list)}) > 1:
        return ctx._("the depth of the network")  # [32] against [32, 16]: layers, not width
    if path in FACTORS:
        return ctx._(FACTORS[path])
    return ctx._("the setting “%(name)s”", name=ctx.path_label(path))


def study_question(ctx: Context, found: StudyFindings) -> str | None:
    """The manifest's question in the report's language, else a generated one; None when
    the study varies nothing and is no search (nothing to ask)."""
    if found.study.question is not None:
        return found.study.question.get(ctx.lang)
    metric = ctx._(ACCURACY_NAMES[found.score_split or "val"])
    algorithms = list(dict.fromkeys(r.algorithm for r in found.searches))
    if len(algorithms) > 1:  # the study compares search algorithms on one objective
        objective = found.searches[0].objective
        return ctx._("Which search finds the better %(objective)s, and at what cost?",
                     objective=ctx._(OBJECTIVE_NAMES.get(objective, objective)))
    paths = [p for p in varied_paths(found.runs) if p not in IGNORED]
    # an optimizer varied as a whole and by its parts reads as one factor
    phrases = list(dict.fromkeys(factor_phrase(ctx, p, found) for p in paths))
    if len(phrases) == 1:
        return ctx._("How does %(factor)s affect %(metric)s?", factor=phrases[0],
                     metric=metric)
    if phrases:
        factors = ctx._("%(items)s and %(last)s", items=", ".join(phrases[:-1]),
                        last=phrases[-1])
        return ctx._("How do %(factors)s affect %(metric)s?", factors=factors, metric=metric)
    if found.study.search is not None:
        return ctx._("Which settings of the search space give the best %(metric)s?",
                     metric=metric)
    if found.has_repeats:
        return ctx._("How much does %(metric)s vary from one seed to another?",
                     metric=metric)
    return None
