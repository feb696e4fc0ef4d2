"""A study's errors and the uncertainty of its test accuracy, in words: one paragraph on where
the best run goes wrong (`analysis.errors`), the test accuracy with its Wilson interval against
the runner-up's (`analysis.significance.IntervalCheck`), the sentence that reconciles the seed
t-test with that interval, and the ROC curve of a binary task.

The facts are decided in `analysis`; this module only words them. Each kind of sentence has
several phrasings, picked per study with `Context.phrasing`; classes are named as the report
shows them (`ctx.findings.datasets[…].classes`, already in the report's language).
"""

from __future__ import annotations

from typing import Any

from babel.lists import format_list

from reportgen import figures
from reportgen.analysis.errors import Binary, ErrorAnalysis, Lowest
from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.significance import accuracy_interval, reconcile
from reportgen.report import i18n
from reportgen.report.context import Context
from reportgen.report.i18n import N_
from reportgen.report.labels import SPLIT_NAMES
from reportgen.report.model import Figure
from reportgen.report.run_labels import Label

# ---------------------------------------------------------------- the phrasings
TOP_CITED = (
    N_("According to %(refs)s, the mistake %(run)s makes most often is to take class "
       "%(true)s for %(predicted)s: %(count)s of the %(support)s %(split)s samples of "
       "%(true)s (%(share)s)."),
    N_("As can be seen in %(refs)s, no confusion of %(run)s is as frequent as that of "
       "%(true)s with %(predicted)s: it labels %(count)s of the %(support)s %(split)s "
       "samples of %(true)s as %(predicted)s (%(share)s)."),
    N_("In %(refs)s, the largest off-diagonal cell of %(run)s is that of class %(true)s "
       "predicted as %(predicted)s: %(count)s of the %(support)s %(split)s samples of "
       "%(true)s (%(share)s)."),
)
TOP = (
    N_("The mistake %(run)s makes most often is to take class %(true)s for %(predicted)s: "
       "%(count)s of the %(support)s %(split)s samples of %(true)s (%(share)s)."),
    N_("No confusion of %(run)s is as frequent as that of %(true)s with %(predicted)s: it "
       "labels %(count)s of the %(support)s %(split)s samples of %(true)s as %(predicted)s "
       "(%(share)s)."),
    N_("Of all the mistakes of %(run)s, the most common takes class %(true)s for "
       "%(predicted)s: %(count)s of the %(support)s %(split)s samples of %(true)s "
       "(%(share)s)."),
)
SCATTERED = (
    N_("The %(wrong)s mistakes of %(run)s on the %(split)s split are scattered%(cite)s: no "
       "pair of classes is confused more than once."),
    N_("No pair of classes stands out among the %(wrong)s mistakes of %(run)s on the "
       "%(split)s split%(cite)s: each confusion occurs once."),
    N_("Spread over as many cells as there are mistakes, the %(wrong)s errors of %(run)s on "
       "the %(split)s split%(cite)s do not repeat any confusion."),
)
NO_ERRORS = (
    N_("On the %(split)s split, %(run)s makes no mistake at all%(cite)s."),
    N_("Not one %(split)s sample is misclassified by %(run)s%(cite)s."),
    N_("Every sample of the %(split)s split is classified correctly by %(run)s%(cite)s."),
)
WEAKEST_BOTH = (
    N_("Moreover, class %(recall_class)s has the lowest recall (%(recall)s) and "
       "%(precision_class)s the lowest precision (%(precision)s)."),
    N_("By recall, the weakest class is %(recall_class)s (%(recall)s); by precision, "
       "%(precision_class)s (%(precision)s)."),
    N_("The lowest recall is that of %(recall_class)s, %(recall)s, whereas the lowest "
       "precision belongs to %(precision_class)s, %(precision)s."),
)
WEAKEST_SAME = (
    N_("Moreover, class %(recall_class)s has both the lowest recall (%(recall)s) and the "
       "lowest precision (%(precision)s)."),
    N_("By recall and by precision alike, the weakest class is %(recall_class)s (%(recall)s "
       "and %(precision)s)."),
    N_("The lowest recall, %(recall)s, and the lowest precision, %(precision)s, both belong "
       "to %(recall_class)s."),
)
WEAKEST_RECALL = N_("Moreover, class %(recall_class)s has the lowest recall (%(recall)s).")
WEAKEST_PRECISION = N_("Moreover, class %(precision_class)s has the lowest precision "
                       "(%(precision)s).")
MOSTLY_SHARE = 0.75  # the weakest class in this share of the runs or more: mostly the data
HOLDS = (  # the fact, and what follows from it: no configuration of the study cures it
    N_("Class %(weakest)s has the lowest recall in all %(runs)s runs of the study, whatever "
       "the configuration."),
    N_("No run of the study recognises %(weakest)s as well as the other classes: it has the "
       "lowest recall in all %(runs)s."),
    N_("Every run of the study shares this weakest class (in all %(runs)s, %(weakest)s has "
       "the lowest recall), so changing the configuration does not cure it."),
)
MOSTLY = (
    N_("Class %(weakest)s has the lowest recall in %(held)s of the %(runs)s runs of the study, "
       "with almost any configuration."),
    N_("Nearly every run of the study shares this weakness: %(weakest)s is the class of lowest "
       "recall in %(held)s of the %(runs)s."),
    N_("Across the study, %(weakest)s is the class of lowest recall in %(held)s of the %(runs)s "
       "runs, so the configurations compared here hardly change it."),
)
VARIES = (
    N_("By contrast, %(weakest)s has the lowest recall in only %(held)s of the %(runs)s runs "
       "of the study: which class suffers most depends on the configuration."),
    N_("However, the other runs do not share this weakness: %(weakest)s is the class of "
       "lowest recall in %(held)s of the %(runs)s runs."),
    N_("That %(weakest)s is the weakest class is particular to this run, though: across the "
       "study it has the lowest recall in %(held)s of the %(runs)s runs."),
)
MISSED_CITED = (
    N_("According to %(refs)s, of the %(positives)s %(split)s samples of class %(positive)s, "
       "%(run)s classifies %(fn)s as %(negative)s (%(fn_term)s)."),
    N_("The matrix of %(refs)s shows that %(run)s misses %(fn)s of the %(positives)s "
       "%(split)s samples of class %(positive)s, which it labels %(negative)s (%(fn_term)s)."),
    N_("What matters most in %(refs)s is the cell of the samples of class %(positive)s "
       "predicted as %(negative)s: %(fn)s of %(positives)s on the %(split)s split "
       "(%(fn_term)s)."),
)
MISSED = (
    N_("Of the %(positives)s %(split)s samples of class %(positive)s, %(run)s classifies "
       "%(fn)s as %(negative)s (%(fn_term)s)."),
    N_("On the %(split)s split, %(run)s misses %(fn)s of the %(positives)s samples of class "
       "%(positive)s, which it labels %(negative)s (%(fn_term)s)."),
    N_("The cell that matters most is that of the samples of class %(positive)s predicted "
       "as %(negative)s: %(fn)s of %(positives)s on the %(split)s split (%(fn_term)s)."),
)
NONE_MISSED = N_("Not one of the %(positives)s %(split)s samples of class %(positive)s escapes "
                 "%(run)s%(cite)s: there are no false negatives.")
FALSE_ALARMS = (
    N_("By contrast, the network labels %(fp)s of the %(negatives)s samples of class "
       "%(negative)s as %(positive)s (%(fp_term)s)."),
    N_("In the other direction, the network takes %(fp)s of the %(negatives)s samples of "
       "class %(negative)s for %(positive)s (%(fp_term)s)."),
    N_("As for the opposite mistake, the network makes %(fp)s %(fp_term)s among the "
       "%(negatives)s samples of class %(negative)s."),
)
NO_FALSE_ALARMS = N_("By contrast, the network labels none of the %(negatives)s samples of "
                     "class %(negative)s as %(positive)s: there are no false positives.")
AUC = (
    N_("The area under the ROC curve is %(auc)s%(cite)s: a sample of class %(positive)s "
       "picked at random receives a higher probability of %(positive)s than one of class "
       "%(negative)s in %(share)s of cases."),
    N_("Independently of the 0.5 threshold, the probabilities rank the samples with a ROC AUC of "
       "%(auc)s%(cite)s: in %(share)s of the pairs of a sample of %(positive)s and one of "
       "%(negative)s, the first gets the higher probability of %(positive)s."),
    N_("The ROC curve%(cite)s sums up how the probabilities rank the samples, whatever the "
       "threshold: its area, %(auc)s, is the share of pairs of %(positive)s and "
       "%(negative)s ordered correctly."),
)
SAME_ON_TEST = (
    N_("On the %(n)s test samples, %(run)s reaches an accuracy of %(value)s; "
       "%(runner)s obtains %(runner_value)s, a difference that falls inside the interval: on "
       "the test set the two are indistinguishable."),
    N_("The test accuracy of %(run)s is %(value)s, and that of %(runner)s, "
       "%(runner_value)s, lies inside this interval: the %(n)s test samples cannot tell the "
       "two apart."),
    N_("Measured on %(n)s test samples, the accuracy of %(run)s is %(value)s; the "
       "%(runner_value)s of %(runner)s falls within that interval, so on the test set the "
       "difference is indistinguishable from sampling noise."),
)
BELOW_ON_TEST = (
    N_("On the %(n)s test samples, %(run)s reaches an accuracy of %(value)s; the "
       "%(runner_value)s of %(runner)s lies outside that interval, so the difference exceeds "
       "the uncertainty the size of the test set leaves."),
    N_("The test accuracy of %(run)s is %(value)s, and that of %(runner)s, "
       "%(runner_value)s, falls outside this interval: even on %(n)s test samples, the "
       "difference is not down to chance."),
    N_("Measured on %(n)s test samples, the accuracy of %(run)s is %(value)s; the "
       "%(runner_value)s of %(runner)s lies below the interval, a difference the test set "
       "does resolve."),
)
ABOVE_ON_TEST = (
    N_("On the %(n)s test samples, %(run)s reaches an accuracy of %(value)s; "
       "%(runner)s, however, obtains %(runner_value)s, above the interval: on the test set it "
       "is the better of the two, against the validation ranking."),
    N_("The test accuracy of %(run)s is %(value)s, while %(runner)s reaches "
       "%(runner_value)s, above this interval: the test set reverses the order that "
       "validation gave."),
)
RECONCILE = {
    "both-differ": (
        N_("Both readings agree: Welch's t-test over the seeds (p = %(p)s) and the test-set "
           "interval each separate %(best)s from %(runner)s."),
        N_("The seeds confirm what the test set shows: with p = %(p)s, Welch's t-test also "
           "finds a difference between %(best)s and %(runner)s larger than the seed-to-seed "
           "spread."),
        N_("Over the seeds, too, the difference between %(best)s and %(runner)s holds: "
           "Welch's t-test gives p = %(p)s, in line with the test-set interval."),
    ),
    "both-tie": (
        N_("Both readings agree: neither Welch's t-test over the seeds (p = %(p)s) nor the "
           "test-set interval separates %(best)s from %(runner)s."),
        N_("The seeds say the same as the test set: with p = %(p)s, Welch's t-test finds no "
           "difference between %(best)s and %(runner)s beyond the seed-to-seed spread."),
        N_("Over the seeds, likewise, the difference between %(best)s and %(runner)s does "
           "not stand out: Welch's t-test gives p = %(p)s, in line with the overlap on the "
           "test set."),
    ),
    "seeds-only": (
        N_("The two readings differ, and for a reason: over the seeds, Welch's t-test "
           "separates %(best)s from %(runner)s (p = %(p)s) because the difference recurs "
           "from one seed to the next, while a single test set of %(n)s samples is too "
           "small to resolve it."),
        N_("However, Welch's t-test over the seeds does separate %(best)s from %(runner)s "
           "(p = %(p)s): the difference is small but systematic, below what %(n)s test "
           "samples can resolve."),
        N_("Over the seeds the verdict is the opposite: Welch's t-test finds the difference "
           "between %(best)s and %(runner)s larger than the seed-to-seed spread (p = %(p)s); "
           "it is systematic, only too small for the %(n)s test samples."),
    ),
    "test-only": (
        N_("The two readings differ: the test-set interval separates %(best)s from "
           "%(runner)s, but over the seeds Welch's t-test does not (p = %(p)s), so the gap "
           "on the test set may owe more to one seed than to the configuration."),
        N_("However, over the seeds Welch's t-test finds no difference between %(best)s and "
           "%(runner)s beyond the seed-to-seed spread (p = %(p)s): the gap on the test set "
           "comes from one seed and may not survive another."),
        N_("The seeds temper that verdict: with p = %(p)s, Welch's t-test cannot separate "
           "%(best)s from %(runner)s, so the difference on the test set reflects one seed "
           "more than the configuration."),
    ),
}


# ---------------------------------------------------------------- the paragraph
def error_paragraph(ctx: Context, found: StudyFindings, confusion_ref: str | None,
                    per_class_ref: str | None, roc_ref: str | None = None) -> str | None:
    """Where the best run goes wrong, as one paragraph citing the confusion matrix (figure
    `confusion_ref`), the per-class table (`per_class_ref`) and, for a binary task, the ROC
    curve (`roc_ref`); None without an error analysis."""
    errors = found.errors
    if errors is None:
        return None
    words = _Words(ctx, found, errors, confusion_ref, per_class_ref)
    if errors.binary is not None:
        sentences = words.binary(errors.binary, roc_ref)
    else:
        sentences = words.confusions()
        if errors.confused:
            sentences += words.weakest()
    if errors.confused and errors.lowest_recall is not None and errors.recall_runs > 1 \
            and (errors.binary is None or errors.holds_everywhere):
        sentences.append(words.held())
    return " ".join(s for s in sentences if s)


class _Words:
    def __init__(self, ctx: Context, found: StudyFindings, errors: ErrorAnalysis,
                 figure: str | None, table: str | None) -> None:
        self.ctx, self.found, self.errors = ctx, found, errors
        self.figure, self.table = figure, table
        summary = ctx.findings.datasets.get(found.dataset)
        shown = list(summary.classes) if summary is not None else []
        self.names = shown if len(shown) == len(errors.classes) else list(errors.classes)
        self.split = ctx._(SPLIT_NAMES.get(errors.split, errors.split))
        self.matrix = errors.run.metrics[errors.split].confusion

    def pick(self, kind: str, options: tuple[str, ...], **values: Any) -> str:
        return self.ctx._(self.ctx.phrasing(kind, options, self.found), **values)

    def refs(self, figure: str | None, table: str | None) -> str | None:
        """The figure and table cited inside a sentence ("la figura 7 y la tabla 9")."""
        return cited(self.ctx, figure, table, inline=True)

    def cite(self, figure: str | None, table: str | None = None) -> str:
        """The same, as a parenthesis after a word (" (figura 7 y tabla 9)"), or ""."""
        shown = cited(self.ctx, figure, table, inline=False)
        return f" {shown}" if shown else ""

    def name(self, index: int) -> str:
        """A class as the report names it in prose (quoted like every class name)."""
        name = self.names[index]
        return self.ctx.quoted(name) if isinstance(name, Label) else name

    def classes(self, lowest: Lowest) -> str:
        return format_list([self.name(i) for i in lowest.classes], locale=self.ctx.lang)

    # -- a task of three or more classes
    def confusions(self) -> list[str]:
        ctx, errors = self.ctx, self.errors
        refs, cite = self.refs(self.figure, self.table), self.cite(self.figure, self.table)
        run = errors.run.label
        if not errors.confused:
            return [self.pick("errors-none", NO_ERRORS, run=run, split=self.split,
                              cite=cite)]
        top = errors.confused[0]
        if top.count == 1 and len(errors.confused) > 1:
            return [self.pick("errors-scattered", SCATTERED, run=run, split=self.split,
                              wrong=ctx.integer(errors.n_wrong), cite=cite)]
        values = {"run": run, "true": self.name(top.true),
                  "predicted": self.name(top.predicted), "count": ctx.integer(top.count),
                  "support": ctx.integer(sum(self.matrix[top.true])), "split": self.split,
                  "share": ctx.pct(top.share)}
        out = [self.pick("errors-top-cited", TOP_CITED, refs=refs, **values) if refs
               else self.pick("errors-top", TOP, **values)]
        # the next pairs (errors.confused[1:]) change no answer: the table in appendix B has them
        return out

    def samples(self, n: int) -> str:
        return self.ctx.ngettext("%(n)s sample", "%(n)s samples", n) % {
            "n": self.ctx.integer(n)}

    def weakest(self) -> list[str]:
        recall, precision = self.errors.lowest_recall, self.errors.lowest_precision
        number = self.number
        if recall is not None and precision is not None:
            values = {"recall_class": self.classes(recall), "recall": number(recall.value),
                      "precision_class": self.classes(precision),
                      "precision": number(precision.value)}
            options = WEAKEST_SAME if recall.classes == precision.classes else WEAKEST_BOTH
            return [self.pick("errors-weakest", options, **values)]
        if recall is not None:
            return [self.ctx._(WEAKEST_RECALL, recall_class=self.classes(recall),
                               recall=number(recall.value))]
        if precision is not None:
            return [self.ctx._(WEAKEST_PRECISION, precision_class=self.classes(precision),
                               precision=number(precision.value))]
        return []

    def number(self, value: float) -> str:
        return i18n.format_number(value, self.ctx.lang, 3)

    def held(self) -> str:
        errors, ctx = self.errors, self.ctx
        values = {"weakest": self.name(errors.weakest or 0),
                  "runs": ctx.integer(errors.recall_runs), "held": ctx.integer(errors.recall_held)}
        if errors.holds_everywhere:
            return self.pick("errors-holds", HOLDS, **values)
        if errors.recall_held >= MOSTLY_SHARE * errors.recall_runs:
            return self.pick("errors-mostly", MOSTLY, **values)
        return self.pick("errors-varies", VARIES, **values)

    # -- a binary task
    def binary(self, binary: Binary, roc_ref: str | None) -> list[str]:
        ctx = self.ctx
        refs, cite = self.refs(self.figure, self.table), self.cite(self.figure, self.table)
        values = {"run": self.errors.run.label, "split": self.split,
                  "positive": self.name(binary.positive),
                  "negative": self.name(binary.negative),
                  "positives": ctx.integer(binary.positives),
                  "negatives": ctx.integer(binary.negatives),
                  "fn": ctx.integer(binary.false_negatives),
                  "fp": ctx.integer(binary.false_positives),
                  "fn_term": ctx.ngettext("false negative", "false negatives",
                                          binary.false_negatives),
                  "fp_term": ctx.ngettext("false positive", "false positives",
                                          binary.false_positives)}
        if binary.false_negatives == 0:
            out = [ctx._(NONE_MISSED, cite=cite, **values)]
        elif refs:
            out = [self.pick("errors-missed-cited", MISSED_CITED, refs=refs, **values)]
        else:
            out = [self.pick("errors-missed", MISSED, **values)]
        out.append(self.pick("errors-false-alarms", FALSE_ALARMS, **values)
                   if binary.false_positives else ctx._(NO_FALSE_ALARMS, **values))
        if binary.auc is not None:
            out.append(self.pick("errors-auc", AUC, auc=self.number(binary.auc),
                                 share=ctx.pct(binary.auc), cite=self.cite(roc_ref),
                                 **values))
        return out


def cited(ctx: Context, figure: str | None, table: str | None, *, inline: bool) -> str | None:
    """A figure and a table cited by number: inside a sentence ("la figura 7 y la tabla 9")
    or in parentheses ("(figura 7 y tabla 9)"); None when neither is given."""
    if figure and table:
        message = N_("figure %(figure)s and table %(table)s") if inline \
            else N_("(figure %(figure)s and table %(table)s)")
    elif figure:
        message = N_("figure %(figure)s") if inline else N_("(figure %(figure)s)")
    elif table:
        message = N_("table %(table)s") if inline else N_("(table %(table)s)")
    else:
        return None
    return ctx._(message, figure=figure, table=table)


# ---------------------------------------------------------------- uncertainty on test
def interval_text(ctx: Context, accuracy: float, n: int, table_ref: str | None = None) -> str:
    """An accuracy with its 95 % Wilson interval over `n` samples: "96,7 % (IC del 95 %:
    94,3–98,1 %)" / "96.7% (95% CI: 94.3–98.1%)"; with `table_ref`, the table that shows the
    accuracy inside the same parentheses ("…98,1 %; tabla 4)")."""
    low, high = accuracy_interval(accuracy, n)
    values = {"value": ctx.pct(accuracy), "low": i18n.format_points(low, ctx.lang),
              "high": i18n.format_points(high, ctx.lang)}
    if table_ref:
        return ctx._("%(value)s (95%% CI: %(low)s–%(high)s%%; table %(table)s)",
                     table=table_ref, **values)
    return ctx._("%(value)s (95%% CI: %(low)s–%(high)s%%)", **values)


def test_sentence(ctx: Context, found: StudyFindings, table_ref: str | None) -> str | None:
    """The best run's test accuracy with its interval, and whether the runner-up's falls
    inside it (table `table_ref` shows both); None without two test accuracies."""
    check = found.test_check
    if check is None:
        return None
    values = {"n": ctx.integer(check.n), "run": check.best.label,
              "value": interval_text(ctx, check.accuracy, check.n, table_ref),
              "runner": check.runner_up.label, "runner_value": ctx.pct(check.runner_accuracy)}
    options: tuple[str, ...]
    if check.indistinguishable:
        options = SAME_ON_TEST
    else:
        options = ABOVE_ON_TEST if check.runner_accuracy > check.high else BELOW_ON_TEST
    return ctx._(ctx.phrasing("test-interval", options, found), **values)


test_sentence.__test__ = False  # type: ignore[attr-defined]  # wording, not a pytest test


def seed_reconcile_sentence(ctx: Context, found: StudyFindings) -> str | None:
    """With repeats: whether Welch's t-test over the seeds and the test-set interval agree,
    in one sentence; None without both (or when the test is undefined: no spread)."""
    margin, check = found.seed_margin, found.test_check
    if margin is None or check is None or margin.comparison.p_value is None:
        return None
    verdict = reconcile(margin.comparison, check)
    p = margin.comparison.p_value
    p_text = ctx._("< %(p)s", p=i18n.format_number(0.001, ctx.lang, 3)) if p < 0.001 \
        else i18n.format_number(p, ctx.lang, 3)
    return ctx._(ctx.phrasing(f"seed-reconcile-{verdict}", RECONCILE[verdict], found),
                 best=margin.best, runner=margin.runner_up, p=p_text,
                 n=ctx.integer(check.n))


# ---------------------------------------------------------------- the ROC curve
def roc_figure(ctx: Context, found: StudyFindings) -> Figure | None:
    """The best run's ROC curve on its evaluated split, for a binary task with stored
    probabilities (id `fig-study-<key>-roc`)."""
    errors = found.errors
    binary = errors.binary if errors is not None else None
    if errors is None or binary is None or binary.auc is None or not binary.roc:
        return None
    summary = ctx.findings.datasets.get(found.dataset)
    names = list(summary.classes) if summary is not None else list(errors.classes)
    positive = names[binary.positive] if len(names) == 2 else errors.classes[binary.positive]
    texts = figures.RocTexts(
        xlabel=ctx._("False-positive rate"), ylabel=ctx._("True-positive rate"),
        curve=ctx._("AUC = %(auc)s", auc=i18n.format_number(binary.auc, ctx.lang, 3)),
        chance=ctx._("chance"), decimal=i18n.decimal_separator(ctx.lang))
    caption = ctx._("ROC curve of %(run)s on the %(split)s split, with %(positive)s as the "
                    "positive class.", run=errors.run.label, positive=positive,
                    split=ctx._(SPLIT_NAMES.get(errors.split, errors.split)))
    points = binary.roc
    return ctx.figure(f"fig-study-{found.key}-roc", caption,
                      lambda prefix: figures.roc_curve(points, texts, prefix=prefix))
