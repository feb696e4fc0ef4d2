"""The learning curves of a study, read in sentences: which configuration overfits, where the
train–validation gap is large, which converges faster, which oscillates, and, where a single
factor separates two configurations, the mechanism that explains the difference.

The measures and verdicts come from `analysis.curve_reading` (thresholds in
`analysis.curves`); this module only words them. Shapes (best epoch, rise, convergence) are the
history's; every end-of-training loss, accuracy, ratio and gap is the final evaluation the runs
table shows (`CurveReading.final`); whether a configuration overfits is its one verdict
(`CurveReading.verdict`), never recomputed here. Every sentence names the configurations it is
about, so no two studies share a sentence; each kind has three phrasings (`ctx.phrasing`).
"""

from __future__ import annotations

from reportgen.analysis import curves as thresholds
from reportgen.analysis.curve_reading import Contrast, CurveReading
from reportgen.analysis.curves import CurveFeatures, FinalFit
from reportgen.analysis.findings import StudyFindings
from reportgen.report import i18n
from reportgen.report.context import Context
from reportgen.report.i18n import N_
from reportgen.report.run_labels import Label

# why one configuration differs from another (a = the one showing the finding): the mechanism
# first, then what it explains; no reason where it would only restate the finding
CONVERGENCE_REASONS = {
    "momentum": N_(
        "Momentum accumulates past gradients into a velocity, so the steps of %(a)s lengthen "
        "along the directions in which successive gradients agree, which is why it converges "
        "sooner than %(b)s."),
    "nesterov": N_(
        "Nesterov momentum takes the gradient at the point the velocity is about to reach and "
        "so corrects the step earlier, which would explain why %(a)s converges sooner than "
        "%(b)s."),
    "adaptive": N_(
        "An adaptive method divides each parameter's step by a running average of its recent "
        "gradient sizes, so parameters with small gradients still move; this is how %(a)s "
        "gets ahead of %(b)s."),
    "higher_lr": N_(
        "A larger learning rate takes longer steps while the loss surface allows it, which "
        "lets %(a)s converge sooner than %(b)s."),
    "smaller_batch": N_(
        "A smaller batch makes more weight updates in each epoch, so %(a)s advances further "
        "per epoch than %(b)s."),
    "batchnorm": N_(
        "Batch normalisation keeps the inputs of each layer on a stable scale, which lets "
        "%(a)s converge sooner than %(b)s."),
}
# why one configuration ends with a larger train–validation gap (a = the larger gap)
GAP_REASONS = {
    "more_capacity": N_(
        "More parameters let %(a)s fit details of the training set that do not carry over to "
        "new data, hence a larger gap than that of %(b)s."),
    "unregularised": N_(
        "Without a penalty or dropout, nothing keeps %(a)s from driving its training loss "
        "towards zero, which is why its gap exceeds that of %(b)s."),
}
OVERFIT_REASONS = {
    "more_capacity": N_(
        "With more parameters, %(a)s can memorise the training set, whereas %(b)s, with "
        "fewer, does not overfit."),
    "unregularised": N_(
        "The regularisation of %(b)s limits how closely it can fit the training set, whereas "
        "%(a)s, without it, overfits."),
}
INSTABILITY_REASONS = {
    "higher_lr": N_(
        "Near the minimum, the larger learning rate of %(a)s overshoots, so its validation "
        "loss oscillates where that of %(b)s does not."),
    "smaller_batch": N_(
        "The smaller batch of %(a)s gives noisier gradient estimates, so its validation loss "
        "oscillates where that of %(b)s does not."),
}
DIVERGENCE_REASONS = {
    "higher_lr": N_(
        "A learning rate too large for this loss surface makes each update of %(a)s overshoot "
        "the minimum, so its loss grows instead of settling, whereas %(b)s converges."),
}

OVERFIT_RISE = (
    N_("In %(run)s, the validation loss is lowest at epoch %(epoch)s (%(best)s) and then "
       "rises by %(rise)s while the network keeps fitting the training set, the usual "
       "sign of overfitting; it ends with a training loss of %(train)s against %(val)s "
       "on validation."),
    N_("From epoch %(epoch)s on, where its validation loss is lowest (%(best)s), %(run)s "
       "overfits: that loss rises by %(rise)s, and training ends with a loss of %(train)s on "
       "the training set against %(val)s on validation."),
    N_("Overfitting shows in %(run)s: its validation loss reaches its minimum, %(best)s, at "
       "epoch %(epoch)s and climbs %(rise)s above it afterwards; the final losses are "
       "%(train)s on training and %(val)s on validation."))
OVERFIT_ACC = (
    N_("The training accuracy of %(run)s ends %(points)s points above its validation accuracy "
       "(%(train)s against %(val)s), more than the %(threshold)s points this report takes as "
       "overfitting, although its validation loss does not turn upwards."),
    N_("Although its validation loss does not turn upwards, %(run)s overfits by its "
       "accuracies: %(train)s on training against %(val)s on validation, %(points)s points "
       "apart, above the limit of %(threshold)s points."),
    N_("By the gap between its accuracies, %(run)s overfits: %(points)s points (%(train)s on "
       "training, %(val)s on validation), beyond the %(threshold)s points allowed, even though "
       "its validation loss does not rise."))
REST_ONE = (  # the one configuration left that does not overfit
    N_("In %(runs)s, by contrast, neither sign appears: its validation loss does not rise by "
       "%(threshold)s or more after its minimum, and its training accuracy leads its "
       "validation accuracy by at most %(points)s points."),
    N_("No such sign appears in %(runs)s, whose validation loss stays within %(threshold)s of "
       "its minimum and whose accuracies stay within %(points)s points of each other."),
    N_("The other configuration, %(runs)s, does not overfit: its validation loss rises less "
       "than %(threshold)s after its minimum and its accuracies differ by %(points)s points "
       "at most."))
REST = (  # several configurations left that do not overfit
    N_("In %(runs)s, by contrast, neither sign appears: no validation loss rises by "
       "%(threshold)s or more after its minimum, and no training accuracy leads its "
       "validation accuracy by more than %(points)s points."),
    N_("No such sign appears in %(runs)s, whose validation losses stay within %(threshold)s "
       "of their minimum and whose accuracies stay within %(points)s points of each other."),
    N_("The other configurations, %(runs)s, do not overfit: their validation losses rise "
       "less than %(threshold)s after their minimum and their accuracies differ by "
       "%(points)s points at most."))
REST_COUNT = (  # too many configurations left to name them: their number
    N_("None of the other %(n)s configurations shows either sign: no validation loss rises by "
       "%(threshold)s or more after its minimum, and no training accuracy leads its "
       "validation accuracy by more than %(points)s points."),
    N_("The other %(n)s configurations do not overfit: their validation losses stay within "
       "%(threshold)s of their minimum and their accuracies within %(points)s points of "
       "each other."))
MAX_NAMED = 3  # past this many, a sentence counts the configurations instead of naming them
NONE_RISE = (
    N_("No configuration overfits: no validation loss rises by %(threshold)s or more after its "
       "minimum (the largest rise, %(rise)s, is that of %(run)s after epoch %(epoch)s), and no "
       "training accuracy exceeds its validation accuracy by more than %(points)s points."),
    N_("None of the configurations overfits: the largest rise of a validation loss after its "
       "minimum is %(rise)s, in %(run)s after epoch %(epoch)s, below %(threshold)s, and the "
       "accuracies never differ by more than %(points)s points."),
    N_("The curves show no overfitting in any configuration: at most %(rise)s of rise after "
       "the minimum of the validation loss (%(run)s, from epoch %(epoch)s), under the "
       "%(threshold)s that would count, and accuracy gaps within %(points)s points."))
NONE_STILL_ONE = (  # a study with one configuration
    N_("The validation loss of %(runs)s is still at its lowest in the last epoch and its "
       "accuracies stay within %(points)s points of each other: within the epochs trained, it "
       "does not overfit."),
    N_("Within the epochs trained, %(runs)s does not overfit: its validation loss is still at "
       "its minimum in the last epoch, and its accuracies stay within %(points)s points."),
    N_("Still at its minimum in the last epoch, the validation loss of %(runs)s shows no "
       "overfitting, and neither do its accuracies, within %(points)s points of each other."))
NONE_STILL = (
    N_("The validation loss of %(runs)s is still at its lowest in the last epoch and no "
       "accuracy gap exceeds %(points)s points: within the epochs trained, none of them "
       "overfits."),
    N_("Within the epochs trained, none of %(runs)s overfits: each validation loss is still at "
       "its minimum in the last epoch, and the accuracies stay within %(points)s points."),
    N_("Still at its minimum in the last epoch, the validation loss of %(runs)s shows no "
       "overfitting, and neither do the accuracies, within %(points)s points of each other."))
GAP_TOP = (
    N_("At the end of training, %(run)s has a training loss of %(train)s against a validation "
       "loss of %(val)s, %(ratio)s times as large, the widest gap between the two losses in "
       "the study."),
    N_("The largest gap between the losses is that of %(run)s: %(val)s on validation against "
       "%(train)s on training, a factor of %(ratio)s."),
    N_("With a validation loss %(ratio)s times its training loss (%(val)s against %(train)s), "
       "%(run)s is the configuration whose two losses end furthest apart."))
GAP_OTHERS = (
    N_("The validation loss is also at least %(threshold)s times the training loss in "
       "%(runs)s."),
    N_("A gap of the same kind, a validation loss at least %(threshold)s times the training "
       "loss, also appears in %(runs)s."),
    N_("In %(runs)s too the validation loss is %(threshold)s or more times the training "
       "loss."))
GAP_ACC = (
    N_("The training accuracy of %(run)s ends %(points)s points above its validation accuracy "
       "(%(train)s against %(val)s)."),
    N_("Between its training and validation accuracies, %(run)s ends %(points)s points apart "
       "(%(train)s against %(val)s)."),
    N_("Once training ends, the accuracies of %(run)s differ by %(points)s points: "
       "%(train)s on training, %(val)s on validation."))
GAP_SMALLEST = (
    N_("The gap is smallest in %(run)s, whose validation loss is %(ratio)s times its training "
       "loss."),
    N_("The smallest gap is that of %(run)s, a validation loss %(ratio)s times its training "
       "loss."),
    N_("Closest to its training loss is the validation loss of %(run)s, %(ratio)s times as "
       "large."))
NO_GAP = (
    N_("No configuration ends with a large gap between training and validation: the "
       "validation loss is at most %(ratio)s times the training loss (in %(run)s), below the "
       "factor of %(threshold)s this report takes as a large gap."),
    N_("None of the configurations ends with a large gap: the largest ratio of validation to "
       "training loss, %(ratio)s in %(run)s, stays below %(threshold)s."),
    N_("The training and validation losses stay close at the end: at most a factor of "
       "%(ratio)s apart (in %(run)s), under the factor of %(threshold)s that would count as a "
       "large gap."))
CONVERGENCE = (
    N_("By epoch %(fast_n)s, %(fast)s reaches %(share)s of its final validation accuracy; "
       "%(slow)s only by epoch %(slow_n)s."),
    N_("The fastest to converge is %(fast)s, at %(share)s of its final validation accuracy by "
       "epoch %(fast_n)s, against epoch %(slow_n)s for %(slow)s."),
    N_("Convergence separates %(fast)s, which reaches %(share)s of its final validation "
       "accuracy by epoch %(fast_n)s, from %(slow)s, which needs until epoch %(slow_n)s."))
SAME_EPOCH = (
    N_("All of %(runs)s reach %(share)s of their final validation accuracy by epoch %(n)s."),
    N_("By epoch %(n)s, %(runs)s have all reached %(share)s of their final validation "
       "accuracy."),
    N_("Convergence does not separate %(runs)s: each reaches %(share)s of its final "
       "validation accuracy by epoch %(n)s."))
SAME_TIME = (
    N_("The configurations %(runs)s reach %(share)s of their final validation accuracy at "
       "about the same time, between epoch %(first)s and epoch %(last)s."),
    N_("Between epoch %(first)s and epoch %(last)s, %(runs)s all reach %(share)s of their "
       "final validation accuracy, too close to rank them by speed."),
    N_("Convergence hardly separates %(runs)s: they reach %(share)s of their final validation "
       "accuracy between epoch %(first)s and epoch %(last)s."))
UNSTABLE = (
    N_("In %(runs)s the validation loss oscillates over the last %(window)s epochs: in "
       "brackets, how much its changes from one epoch to the next scatter relative to its "
       "level; a smooth curve stays under %(threshold)s."),
    N_("Over the last %(window)s epochs the validation loss of %(runs)s zig-zags: its "
       "epoch-to-epoch changes scatter by the share of its level given in brackets, where a "
       "smooth curve stays under %(threshold)s."),
    N_("Oscillating over the last %(window)s epochs, the validation loss of %(runs)s "
       "does not settle: its changes scatter by the share of its level in brackets, "
       "against under %(threshold)s for a smooth curve."))


UNSTABLE_ONE = (  # one configuration: its value in the sentence, not in brackets
    N_("Over the last %(window)s epochs the validation loss of %(run)s does not settle: its "
       "changes from one epoch to the next scatter by %(value)s of its level, where a smooth "
       "curve stays under %(threshold)s."),
    N_("The validation loss of %(run)s keeps oscillating over the last %(window)s epochs: "
       "its epoch-to-epoch changes scatter by %(value)s of its level, against under "
       "%(threshold)s for a smooth curve."))


def loss_text(value: float | None, lang: str) -> str:
    """A loss in a sentence: three decimals, or two significant digits below 0.01."""
    if value is not None and 0 < abs(value) < 0.01:
        digits = 1 - int(f"{abs(value):e}".split("e")[1])
        return i18n.format_number(value, lang, digits)
    return i18n.format_number(value, lang, 3)


def _ratio(value: float | None, lang: str) -> str:
    return i18n.format_number(value, lang, 1 if value is not None and value < 10 else 0)


def _join(ctx: Context, items: list[str]) -> str:
    if len(items) == 1:
        return items[0]  # a lone Label is quoted by ctx._ like any run named in a sentence
    return ctx.join([ctx.quoted(i) if isinstance(i, Label) else i for i in items])


def _reason(ctx: Context, table: dict[str, str], contrast: Contrast | None) -> list[str]:
    if contrast is None or contrast.mechanism not in table:
        return []
    return [ctx._(table[contrast.mechanism], a=contrast.a, b=contrast.b)]


def _pick(ctx: Context, kind: str, options: tuple[str, ...], found: StudyFindings | None,
          index: int = 0) -> str:
    """One phrasing of `kind`: rotating with the study's position and, within a study, with
    `index` (the same kind said twice in one study reads two ways)."""
    keys = [s.key for s in ctx.findings.studies]
    position = keys.index(found.key) if found is not None and found.key in keys else 0
    return ctx.phrasing(kind, options, position + index)


def curve_sentences(ctx: Context, found: StudyFindings) -> list[str]:
    """The study's curves in sentences, in reading order. Shapes (best epoch, onset, rise,
    convergence, oscillation) come from the histories; every end-of-training loss and
    accuracy, ratio and gap is the final evaluation the tables show; each configuration's
    overfitting verdict is the reading's one verdict (`CurveReading.verdicts`)."""
    reading = found.curves
    if reading is None:
        return []
    out: list[str] = []
    # with repeats the curves read are the mean ones: the figures' captions say so
    out += overfitting_sentences(ctx, reading, found)
    out += gap_sentences(ctx, reading, found)
    out += convergence_sentences(ctx, reading, found)
    out += instability_sentences(ctx, reading, found)
    out += _reason(ctx, DIVERGENCE_REASONS, reading.divergence)
    return out


def _verdicts(reading: CurveReading) -> list[tuple[str, CurveFeatures, str]]:
    verdicts = reading.verdicts or tuple("none" for _ in reading.labels)
    return list(zip(reading.labels, reading.features, verdicts, strict=True))


def _final(reading: CurveReading, label: str) -> FinalFit | None:
    return reading.final(label)


def overfitting_sentences(ctx: Context, reading: CurveReading,
                          found: StudyFindings | None = None) -> list[str]:
    lang = ctx.lang
    threshold = i18n.format_percent(thresholds.OVERFIT_MIN_RISE_REL, lang, 0)
    points = i18n.format_points(thresholds.OVERFIT_ACC_GAP, lang, 0)
    rows = _verdicts(reading)
    out = []
    named = set(reading.overfitting_configs)  # the one answer the discussion reads too
    overfit = [(k, f) for k, f, _v in rows if k in named]
    for i, (label, f) in enumerate(overfit):
        final = _final(reading, label)
        train_loss = final.train_loss if final is not None else None
        val_loss = final.val_loss if final is not None else f.final_val_loss
        if f.overfits and f.best_epoch is not None:
            out.append(ctx._(
                _pick(ctx, "curve-overfit-rise", OVERFIT_RISE, found, i), run=label,
                epoch=ctx.integer(f.best_epoch), best=loss_text(f.best_val_loss, lang),
                rise=i18n.format_percent(f.val_loss_rise_rel, lang, 0),
                train=loss_text(train_loss, lang), val=loss_text(val_loss, lang)))
        elif final is not None and final.gap.accuracy is not None:
            out.append(ctx._(
                _pick(ctx, "curve-overfit-accuracy", OVERFIT_ACC, found, i), run=label,
                points=i18n.format_points(final.gap.accuracy, lang),
                train=ctx.pct(final.train_accuracy), val=ctx.pct(final.val_accuracy),
                threshold=points))
    measured = [(k, f) for k, f, v in rows if f.val_loss_rise_rel is not None
                and v != "diverged"]
    if overfit:
        rest = [k for k, _ in measured if k not in named]
        if len(rest) > MAX_NAMED:  # a list of seven names reads as a table: count them
            out.append(ctx._(_pick(ctx, "curve-not-overfitting", REST_COUNT, found),
                             n=ctx.count(len(rest)), threshold=threshold, points=points))
        elif rest:  # one configuration left or several: the sentence agrees in number
            options = REST_ONE if len(rest) == 1 else REST
            out.append(ctx._(_pick(ctx, "curve-not-overfitting", options, found),
                             runs=_join(ctx, rest), threshold=threshold, points=points))
        out += _reason(ctx, OVERFIT_REASONS, reading.overfitting)
    elif measured:
        label, worst = max(measured, key=lambda item: item[1].val_loss_rise_rel or 0.0)
        if (worst.val_loss_rise_rel or 0.0) > 0:
            out.append(ctx._(
                _pick(ctx, "curve-no-overfitting", NONE_RISE, found), threshold=threshold,
                rise=i18n.format_percent(worst.val_loss_rise_rel, lang, 0), run=label,
                epoch=ctx.integer(worst.best_epoch), points=points))
        else:
            still = [k for k, _ in measured]
            options = NONE_STILL_ONE if len(still) == 1 else NONE_STILL
            out.append(ctx._(_pick(ctx, "curve-still-at-minimum", options, found),
                             runs=_join(ctx, still), points=points))
    return out


def gap_sentences(ctx: Context, reading: CurveReading,
                  found: StudyFindings | None = None) -> list[str]:
    """The train–validation gaps at the end of training, in the tables' numbers."""
    lang = ctx.lang
    gaps = reading.findings.gaps
    ratios = {k: f.gap_at_end.loss_ratio for k, f in zip(reading.labels, reading.features,
                                                        strict=True)
              if f.gap_at_end is not None and f.gap_at_end.loss_ratio is not None
              and not f.diverged}
    factor = i18n.format_number(thresholds.GAP_LOSS_RATIO, lang, 0)
    if not gaps:
        if not ratios:
            return []
        label = max(ratios, key=lambda k: ratios[k])
        return [ctx._(_pick(ctx, "curve-no-gap", NO_GAP, found),
                      ratio=_ratio(ratios[label], lang), run=label, threshold=factor)]
    by_loss = [g for g in gaps if g.gap.loss_ratio is not None
               and g.gap.loss_ratio >= thresholds.GAP_LOSS_RATIO]
    out = []
    if by_loss:
        top = max(by_loss, key=lambda g: g.gap.loss_ratio or 0.0)
        final = _final(reading, top.config)
        out.append(ctx._(
            _pick(ctx, "curve-gap", GAP_TOP, found), run=top.config,
            train=loss_text(final.train_loss if final else None, lang),
            val=loss_text(final.val_loss if final else None, lang),
            ratio=_ratio(top.gap.loss_ratio, lang)))
        others = [g for g in by_loss if g is not top]
        if others:
            out.append(ctx._(
                _pick(ctx, "curve-gap-others", GAP_OTHERS, found), threshold=factor,
                runs=_join(ctx, [ctx._("%(run)s (%(ratio)s times)", run=g.config,
                                       ratio=_ratio(g.gap.loss_ratio, lang))
                                 for g in others])))
    said = set(reading.overfitting_configs)
    for i, g in enumerate(g for g in gaps if g not in by_loss and g.gap.accuracy is not None
                          and g.config not in said):  # an overfitting one was said above
        final = _final(reading, g.config)
        out.append(ctx._(
            _pick(ctx, "curve-gap-accuracy", GAP_ACC, found, i), run=g.config,
            points=i18n.format_points(g.gap.accuracy, lang),
            train=ctx.pct(final.train_accuracy if final else None),
            val=ctx.pct(final.val_accuracy if final else None)))
    large = {g.config for g in gaps}
    small = [k for k in ratios if k not in large]
    if small and len(ratios) > 1:
        label = min(small, key=lambda k: ratios[k])
        out.append(ctx._(_pick(ctx, "curve-gap-smallest", GAP_SMALLEST, found), run=label,
                         ratio=_ratio(ratios[label], lang)))
    return out + _reason(ctx, GAP_REASONS, reading.gap)


def convergence_sentences(ctx: Context, reading: CurveReading,
                          found: StudyFindings | None = None) -> list[str]:
    share = i18n.format_percent(thresholds.CONVERGENCE_FRACTION, ctx.lang, 0)
    faster = reading.findings.convergence
    if faster is not None:
        return [ctx._(
            _pick(ctx, "curve-convergence", CONVERGENCE, found), fast=faster.fastest,
            share=share, fast_n=ctx.integer(faster.fastest_epochs), slow=faster.slowest,
            slow_n=ctx.integer(faster.slowest_epochs)),
            *_reason(ctx, CONVERGENCE_REASONS, reading.convergence)]
    timed = [(k, f.epochs_to_converge) for k, f in zip(reading.labels, reading.features,
                                                      strict=True)
             if f.epochs_to_converge is not None and not f.diverged]
    if len(timed) < 2:
        return []
    first, last = min(e for _, e in timed), max(e for _, e in timed)
    runs = _join(ctx, [k for k, _ in timed])
    if first == last:
        return [ctx._(_pick(ctx, "curve-same-epoch", SAME_EPOCH, found), runs=runs,
                      share=share, n=ctx.integer(first))]
    return [ctx._(_pick(ctx, "curve-same-time", SAME_TIME, found), runs=runs, share=share,
                  first=ctx.integer(first), last=ctx.integer(last))]


def instability_sentences(ctx: Context, reading: CurveReading,
                          found: StudyFindings | None = None) -> list[str]:
    unstable = reading.findings.unstable
    if not unstable:
        return []
    window = ctx.integer(thresholds.INSTABILITY_WINDOW)
    smooth = i18n.format_percent(thresholds.INSTABILITY_THRESHOLD, ctx.lang, 0)
    if len(unstable) == 1:
        return [ctx._(_pick(ctx, "curve-unstable", UNSTABLE_ONE, found), run=unstable[0].config,
                      value=i18n.format_percent(unstable[0].instability, ctx.lang, 0),
                      window=window, threshold=smooth),
                *_reason(ctx, INSTABILITY_REASONS, reading.instability)]
    runs = _join(ctx, [ctx._("%(run)s (%(value)s)", run=u.config,
                             value=i18n.format_percent(u.instability, ctx.lang, 0))
                       for u in unstable])
    return [ctx._(
        _pick(ctx, "curve-unstable", UNSTABLE, found), runs=runs,
        window=ctx.integer(thresholds.INSTABILITY_WINDOW),
        threshold=i18n.format_percent(thresholds.INSTABILITY_THRESHOLD, ctx.lang, 0)),
        *_reason(ctx, INSTABILITY_REASONS, reading.instability)]
