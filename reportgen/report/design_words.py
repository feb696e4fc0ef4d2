"""A study's design in sentences: what varies, what is fixed, and what confounds it; and the
report's limitations and threats to validity, each design issue once.

The issues come from `analysis.design` (its module docstring states the rules); this module
only words them. `design_sentences(ctx, found)` is a study's design paragraph;
`limitation_sentences(ctx)` the general discussion's paragraph on limitations, across studies.
Each kind of sentence has three phrasings, chosen with `ctx.phrasing`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportgen.analysis.design import DesignIssue, family
from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.runs import flat_varied
from reportgen.report import i18n
from reportgen.report.context import Context
from reportgen.report.i18n import N_
from reportgen.report.run_labels import Label, Words
from reportgen.report.search_words import ALGORITHMS
from reportgen.report.text import value_text

# a setting as a noun inside a sentence, with its article
NOUNS = {
    "training.optimizer": N_("the optimizer"),
    "training.optimizer.name": N_("the optimizer"),
    "training.optimizer.lr": N_("the learning rate"),
    "training.optimizer.momentum": N_("the momentum"),
    "training.batch_size": N_("the batch size"),
    "training.epochs": N_("the number of epochs"),
    "model.hidden": N_("the hidden layers"),
    "model.activation": N_("the activation function"),
    "model.init": N_("the initialiser"),
    "model.dropout": N_("the dropout rate"),
    "model.l1": N_("the L1 penalty"),
    "model.l2": N_("the L2 penalty"),
    "model.batchnorm": N_("batch normalisation"),
    # the families of analysis.design.FAMILIES
    "regularisation": N_("the regularisation"),
    "capacity": N_("the capacity of the network"),
    "optimizer": N_("the optimizer"),
    "batch": N_("the batch size"),
    "normalisation": N_("batch normalisation"),
}
MEASURES = {"epochs": N_("epochs"), "trials": N_("trials")}
SAMPLERS = {"TPESampler": "TPE", "RandomSampler": N_("random sampling"),
            "GPSampler": N_("a Gaussian process"), "grid": N_("a grid")}
FIXED_PATHS = ("model.hidden", "model.activation", "model.init", "training.optimizer",
               "training.epochs", "training.batch_size")

VARIES = (N_("The %(n)s configurations compared here differ in %(factor)s: %(configs)s."),
          N_("What changes from one configuration to the next is %(factor)s: %(configs)s."),
          N_("This experiment varies %(factor)s over %(n)s configurations: %(configs)s."))
FIXED = (N_("Everything else is shared: %(fixed)s."),
         N_("The rest of the set-up is common to all of them: %(fixed)s."),
         N_("They share every other setting: %(fixed)s."))
CONFOUND_RATIO = (
    N_("With %(low)s, %(path)s is %(ratio)s times lower than with %(high)s (%(low_value)s "
       "against %(high_value)s), so the design confounds %(factor)s with %(path)s."),
    N_("%(Path)s changes with %(factor)s: %(low_value)s with %(low)s and %(high_value)s with "
       "%(high)s, so a difference in the results may come from either of the two."),
    N_("Since %(path)s is %(ratio)s times lower with %(low)s than with %(high)s "
       "(%(low_value)s against %(high_value)s), the comparison mixes two effects, "
       "%(factor)s and %(path)s."))
CONFOUND = (
    N_("%(Path)s also changes between the configurations (%(values)s), so the design "
       "confounds %(factor)s with %(path)s."),
    N_("Besides %(factor)s, %(path)s differs too (%(values)s): the results cannot tell the "
       "two effects apart."),
    N_("The configurations do not differ in %(factor)s alone: %(path)s changes as well "
       "(%(values)s)."))
BUDGET = (
    N_("The searches did not spend the same budget (%(spent)s, %(ratio)s to 1), so the one "
       "with more %(measure)s had more chances to find a good configuration."),
    N_("Compared at unequal budgets (%(spent)s), the searches may differ by what they spent "
       "rather than by how they search."),
    N_("What each search spent differs by a factor of %(ratio)s: %(spent)s; part of the "
       "difference between them may be the budget, not the method."))
SAMPLER = (
    N_("The %(algorithm)s search draws its configurations with %(sampler)s rather than "
       "%(expected)s, since Optuna's pruners sample with the study's sampler: it does not "
       "test %(algorithm)s as published."),
    N_("Although it is called %(algorithm)s, the search samples with %(sampler)s instead of "
       "%(expected)s, so its result is that of the two methods combined."),
    N_("What ran as %(algorithm)s is not plain %(algorithm)s: its configurations come from "
       "%(sampler)s instead of %(expected)s."))
SINGLE_SEED = (
    N_("With a single seed, the lead of %(best)s over %(runner)s (%(margin)s) stays below "
       "the single-seed threshold (%(threshold)s), so another seed could reverse the order."),
    N_("Only one seed was trained per configuration, and %(best)s leads %(runner)s by "
       "%(margin)s, less than the %(threshold)s a seed can move: the design cannot tell this "
       "lead from the noise of training."),
    N_("The design gives no way to resolve the lead of %(best)s over %(runner)s: its "
       "%(margin)s stays under the single-seed threshold of %(threshold)s, and there are no "
       "repeats to average over."))
INIT = (
    N_("The %(activation)s networks start from %(init)s initialisation, whereas %(expected)s "
       "is the one customary with %(activation)s units."),
    N_("With %(activation)s units, %(expected)s initialisation is customary; these networks "
       "start from %(init)s instead, so the scale of their initial weights does not suit "
       "their activation."),
    N_("The initial weights do not match the activation: %(init)s with %(activation)s, "
       "where %(expected)s is customary."))

LIMIT_CONFOUND = (
    N_("In %(study)s, %(path)s changes together with %(factor)s (%(values)s), so that "
       "comparison does not isolate %(factor)s."),
    N_("The comparison in %(study)s confounds %(factor)s with %(path)s (%(values)s)."),
    N_("The validity of %(study)s suffers because %(path)s varies with %(factor)s "
       "(%(values)s)."))
LIMIT_BUDGET = (
    N_("In %(study)s the searches are compared at unequal budgets (%(spent)s)."),
    N_("The searches of %(study)s did not spend the same %(measure)s (%(spent)s), which "
       "favours the one that spent more."),
    N_("Part of the difference between the searches of %(study)s may be budget rather than "
       "method: %(spent)s."))
LIMIT_SAMPLER = (
    N_("In %(study)s, the %(algorithm)s search samples with %(sampler)s, so it is not "
       "%(algorithm)s as published."),
    N_("The %(algorithm)s search of %(study)s combines %(algorithm)s with %(sampler)s."),
    N_("What %(study)s calls %(algorithm)s draws its configurations with %(sampler)s."))
LIMIT_SINGLE_SEED = (
    N_("With one seed per configuration, the lead in %(study)s (%(margin)s) is below its "
       "single-seed threshold (%(threshold)s)."),
    N_("The order found in %(study)s rests on a single seed and a margin of %(margin)s, "
       "under the %(threshold)s one seed can move."),
    N_("A second seed could reverse the ranking of %(study)s: its margin of %(margin)s is "
       "below %(threshold)s."))
LIMIT_INIT = (
    N_("In %(studies)s, the %(activation)s networks start from %(init)s initialisation "
       "instead of %(expected)s."),
    N_("The networks of %(studies)s pair %(activation)s with %(init)s initialisation, where "
       "%(expected)s is customary."),
    N_("A mismatch between initialiser and activation affects %(studies)s: %(init)s with "
       "%(activation)s instead of %(expected)s."))


# ---------------------------------------------------------------- pieces
def _join(ctx: Context, items: Sequence[str]) -> str:
    return ctx.join([ctx.quoted(i) if isinstance(i, Label) else i for i in items])


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def noun(ctx: Context, path: str | None) -> str:
    """A setting, a family or a path as a noun with its article ("the learning rate")."""
    if path is None:
        return ctx._(NOUNS["training.optimizer"])
    if path in NOUNS:
        return ctx._(NOUNS[path])
    return ctx._("the setting %(name)s", name=ctx.quoted(ctx.path_label(path)))


def _factor_noun(ctx: Context, found: StudyFindings) -> str:
    keys = list(found.study.vary)
    if keys:
        return _join(ctx, [noun(ctx, k) for k in keys])
    paths = [p for r in found.runs for p in flat_varied(r)]
    families = list(dict.fromkeys(family(p) for p in paths))
    if families:
        return _join(ctx, [noun(ctx, f) for f in families])
    return ctx._("the variant")


def _shown(found: StudyFindings, name: Any) -> Any:
    """A run's or configuration's identity label as the report shows it (a Label)."""
    for record in found.runs:
        for label in (record.label, record.config_label):
            if isinstance(label, Label) and label.identity == name:
                return label
    return name


def _who(ctx: Context, found: StudyFindings, issue: DesignIssue, name: str) -> str:
    """The holder of a confounded value: a factor's value ("SGD") or a configuration."""
    if issue.factor is not None and "." in issue.factor:
        named = Words(ctx.lang).value_name(issue.factor, name)
        if named is not None:
            return named
    shown = _shown(found, name)
    return ctx.quoted(shown) if isinstance(shown, Label) else ctx.quoted(str(shown))


def _groups(issue: DesignIssue) -> list[tuple[Any, list[str]]]:
    """(value, holders) in order of first appearance."""
    out: dict[Any, list[str]] = {}
    raw: dict[Any, Any] = {}
    for who, value in issue.values:
        key = tuple(value) if isinstance(value, list) else value
        raw.setdefault(key, value)
        out.setdefault(key, []).append(who)
    return [(raw[k], names) for k, names in out.items()]


def _ratio_text(value: float, lang: str) -> str:
    digits = 0 if value >= 10 or abs(value - round(value)) < 0.05 else 1
    return i18n.format_number(value, lang, digits)


def _values(ctx: Context, found: StudyFindings, issue: DesignIssue) -> str:
    parts = [ctx._("%(value)s with %(names)s", value=value_text(value, ctx.lang),
                   names=_join(ctx, [_who(ctx, found, issue, n) for n in names]))
             for value, names in _groups(issue)]
    return "; ".join(parts)


def _confound_values(ctx: Context, found: StudyFindings, issue: DesignIssue) -> dict[str, str]:
    path = noun(ctx, issue.subject)
    factor = noun(ctx, issue.factor) if issue.factor is not None else _factor_noun(ctx, found)
    return {"path": path, "Path": _capital(path), "factor": factor,
            "values": _values(ctx, found, issue)}


def _two_groups(ctx: Context, found: StudyFindings,
                issue: DesignIssue) -> dict[str, str] | None:
    groups = _groups(issue)
    ratio = issue.number("ratio")
    if len(groups) != 2 or ratio is None:
        return None
    (low_value, low), (high_value, high) = sorted(groups, key=lambda g: float(g[0]))
    return {"low": _join(ctx, [_who(ctx, found, issue, n) for n in low]),
            "high": _join(ctx, [_who(ctx, found, issue, n) for n in high]),
            "low_value": value_text(low_value, ctx.lang),
            "high_value": value_text(high_value, ctx.lang),
            "ratio": _ratio_text(ratio, ctx.lang)}


def _search(ctx: Context, label: str) -> str:
    return ctx._(ALGORITHMS[label]) if label in ALGORITHMS else ctx.quoted(label)


def _spent(ctx: Context, issue: DesignIssue) -> str:
    measure = ctx._(MEASURES.get(issue.subject, issue.subject))
    return _join(ctx, [ctx._("%(value)s %(measure)s for %(search)s", value=ctx.integer(v),
                             measure=measure, search=_search(ctx, str(label)))
                       for label, v in issue.values])


def _sampler(ctx: Context, name: Any) -> str:
    shown = SAMPLERS.get(str(name))
    if shown is None:
        return str(name)
    return shown if shown == "TPE" else ctx._(shown)


def _margin_text(ctx: Context, issue: DesignIssue, name: str) -> str:
    value = issue.number(name)
    if "loss" in issue.subject:
        return i18n.format_number(value, ctx.lang, 3)
    return ctx._("%(points)s points", points=i18n.format_points(value, ctx.lang))


def _init_values(ctx: Context, issue: DesignIssue) -> dict[str, str]:
    words = Words(ctx.lang)
    activation = str(issue.value("activation"))
    return {"init": words.value_name("model.init", issue.subject) or issue.subject,
            "expected": words.value_name("model.init", issue.value("expected"))
            or str(issue.value("expected")),
            "activation": words.value_name("model.activation", activation) or activation}


def _label(ctx: Context, found: StudyFindings, name: Any) -> str:
    shown = _shown(found, name)
    return ctx.quoted(shown) if isinstance(shown, Label) else ctx.quoted(str(shown))


# ---------------------------------------------------------------- a study's design
def _configurations(found: StudyFindings) -> list[Any]:
    if found.seeds is not None:
        return [c.label for c in found.seeds.configurations]
    return [r.label for r in found.runs if r.tuning is None and r.stop_reason != "failed"]


def _fixed(ctx: Context, found: StudyFindings) -> list[str]:
    runs = [r for r in found.runs if r.tuning is None and r.stop_reason != "failed"]
    if not runs:
        return []
    changed = {p for r in runs for p in flat_varied(r)}
    changed |= {i.subject for i in found.design if i.kind == "confounded"}
    words = Words(ctx.lang)
    config = runs[0].config
    out = []
    for path in FIXED_PATHS:
        if any(p == path or p.startswith(path + ".") or path.startswith(p + ".")
               for p in changed):
            continue
        section, _, key = path.partition(".")
        value = config.get(section, {}).get(key)
        if value is None:
            continue
        if path == "training.optimizer" and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k in ("name", "lr", "momentum")}
        text = words.setting(path, value)
        if path == "model.activation":
            text = ctx._("%(name)s activation", name=text)
        out.append(text)
    repeats = found.study.repeats
    out.append(ctx._("%(n)s seeds per configuration", n=ctx.integer(repeats)) if repeats > 1
               else ctx._("a single seed (%(seed)s)", seed=ctx.integer(runs[0].seed)))
    return out


def issue_sentence(ctx: Context, found: StudyFindings, issue: DesignIssue) -> str:
    """One design issue of `found`, in the study's design paragraph."""
    if issue.kind == "confounded":
        values = _confound_values(ctx, found, issue)
        two = _two_groups(ctx, found, issue)
        if two is not None:
            return ctx._(ctx.phrasing("design-confound-ratio", CONFOUND_RATIO, found),
                         **values, **two)
        return ctx._(ctx.phrasing("design-confound", CONFOUND, found), **values)
    if issue.kind == "unequal_budget":
        return ctx._(ctx.phrasing("design-budget", BUDGET, found), spent=_spent(ctx, issue),
                     ratio=_ratio_text(issue.number("ratio") or 1.0, ctx.lang),
                     measure=ctx._(MEASURES.get(issue.subject, issue.subject)))
    if issue.kind == "sampler_mismatch":
        algorithm = str(issue.value("algorithm"))
        return ctx._(ctx.phrasing("design-sampler", SAMPLER, found),
                     algorithm=ctx._(ALGORITHMS.get(algorithm, algorithm)),
                     sampler=_sampler(ctx, issue.value("sampler")),
                     expected=_sampler(ctx, issue.value("expected")))
    if issue.kind == "single_seed":
        return ctx._(ctx.phrasing("design-single-seed", SINGLE_SEED, found),
                     best=_label(ctx, found, issue.value("best")),
                     runner=_label(ctx, found, issue.value("runner_up")),
                     margin=_margin_text(ctx, issue, "margin"),
                     threshold=_margin_text(ctx, issue, "threshold"))
    return ctx._(ctx.phrasing("design-init", INIT, found), **_init_values(ctx, issue))


def design_sentences(ctx: Context, found: StudyFindings) -> list[str]:
    """The study's design paragraph: what varies, what is fixed, what confounds it."""
    out = []
    configs = _configurations(found)
    if len(configs) >= 2:
        out.append(ctx._(ctx.phrasing("design-varies", VARIES, found),
                         n=ctx.integer(len(configs)), factor=_factor_noun(ctx, found),
                         configs=_join(ctx, configs)))
        fixed = _fixed(ctx, found)
        if fixed:
            out.append(ctx._(ctx.phrasing("design-fixed", FIXED, found),
                             fixed=_join(ctx, fixed)))
    for issue in found.design:  # two searches with one fault: said once
        sentence = issue_sentence(ctx, found, issue)
        if sentence not in out:
            out.append(sentence)
    return out


# ---------------------------------------------------------------- limitations
def limitation_sentences(ctx: Context) -> list[str]:
    """The report's limitations and threats to validity: each design issue once, naming its
    study (an initialiser mismatch shared by several studies: once, naming them all)."""
    out = []
    inits: dict[tuple[str, str, str], list[StudyFindings]] = {}
    for position, found in enumerate(ctx.findings.studies):
        study = ctx.quoted(ctx.study_title(found))
        for issue in found.design:
            if issue.kind == "init_mismatch":
                key = (issue.subject, str(issue.value("activation")),
                       str(issue.value("expected")))
                inits.setdefault(key, []).append(found)
                continue
            if issue.kind == "confounded":
                out.append(ctx._(ctx.phrasing("limit-confound", LIMIT_CONFOUND, position),
                                 study=study, **_confound_values(ctx, found, issue)))
            elif issue.kind == "unequal_budget":
                out.append(ctx._(ctx.phrasing("limit-budget", LIMIT_BUDGET, position),
                                 study=study, spent=_spent(ctx, issue),
                                 measure=ctx._(MEASURES.get(issue.subject, issue.subject))))
            elif issue.kind == "sampler_mismatch":
                algorithm = str(issue.value("algorithm"))
                out.append(ctx._(ctx.phrasing("limit-sampler", LIMIT_SAMPLER, position),
                                 study=study,
                                 algorithm=ctx._(ALGORITHMS.get(algorithm, algorithm)),
                                 sampler=_sampler(ctx, issue.value("sampler"))))
            elif issue.kind == "single_seed":
                out.append(ctx._(ctx.phrasing("limit-single-seed", LIMIT_SINGLE_SEED,
                                              position),
                                 study=study, margin=_margin_text(ctx, issue, "margin"),
                                 threshold=_margin_text(ctx, issue, "threshold")))
    for index, ((init, activation, expected), studies) in enumerate(inits.items()):
        issue = DesignIssue("init_mismatch", init,
                            (("activation", activation), ("expected", expected)))
        names = list(dict.fromkeys(ctx.quoted(ctx.study_title(f)) for f in studies))
        out.append(ctx._(ctx.phrasing("limit-init", LIMIT_INIT, index),
                         studies=_join(ctx, names), **_init_values(ctx, issue)))
    return list(dict.fromkeys(out))  # two searches of one study with one fault: said once
