"""The learning curves of a study, read in sentences: which configuration overfits, where the
train–validation gap is large, which converges faster, which oscillates, and, where a single
factor separates two configurations, the mechanism the difference is consistent with.

The measures and verdicts come from `analysis.curve_reading` (thresholds in
`analysis.curves`); this module only words them. Every sentence names the configurations it is
about, so no two studies share a sentence.
"""

from __future__ import annotations

from reportgen.analysis import curves as thresholds
from reportgen.analysis.curve_reading import Contrast, CurveReading
from reportgen.analysis.curves import CurveFeatures
from reportgen.analysis.findings import StudyFindings
from reportgen.report import i18n
from reportgen.report.context import Context
from reportgen.report.i18n import N_
from reportgen.report.run_labels import Label

# why one configuration converges faster than another (a = the faster one)
CONVERGENCE_REASONS = {
    "momentum": N_(
        "That %(a)s converges sooner than %(b)s is consistent with how momentum works: it "
        "accumulates past gradients into a velocity, so the steps lengthen along the "
        "directions in which successive gradients agree."),
    "nesterov": N_(
        "That %(a)s converges sooner than %(b)s is consistent with Nesterov momentum, which "
        "takes the gradient at the point the velocity is about to reach and so corrects the "
        "step earlier."),
    "adaptive": N_(
        "That %(a)s converges sooner than %(b)s is consistent with an adaptive method, which "
        "divides each parameter's step by a running average of its recent gradient sizes, so "
        "parameters with small gradients still move."),
    "higher_lr": N_(
        "That %(a)s converges sooner than %(b)s is consistent with its larger learning rate, "
        "which takes longer steps while the loss surface allows it."),
    "more_capacity": N_(
        "That %(a)s converges sooner than %(b)s is consistent with its larger capacity: with "
        "more parameters, each epoch lowers the training loss further."),
    "smaller_batch": N_(
        "That %(a)s converges sooner than %(b)s is consistent with its smaller batch, which "
        "makes more weight updates in each epoch."),
    "batchnorm": N_(
        "That %(a)s converges sooner than %(b)s is consistent with batch normalisation, which "
        "keeps the inputs of each layer on a stable scale."),
}
FASTER = N_(
    "That the gap of %(a)s is larger than that of %(b)s is consistent with its faster "
    "optimisation: in the same number of epochs it drives the training loss much lower.")
# why one configuration ends with a larger train–validation gap (a = the larger gap)
GAP_REASONS = {
    "more_capacity": N_(
        "That the gap of %(a)s is larger than that of %(b)s is consistent with its larger "
        "capacity: more parameters let the network fit details of the training set that do "
        "not carry over to new data."),
    "unregularised": N_(
        "That the gap of %(a)s is larger than that of %(b)s is consistent with what "
        "regularisation does: without a penalty or dropout, nothing keeps the network from "
        "driving its training loss towards zero."),
    "momentum": FASTER, "nesterov": FASTER, "adaptive": FASTER, "higher_lr": FASTER,
}
SOONER = N_(
    "That %(a)s overfits and %(b)s does not is consistent with its faster optimisation: "
    "within the epochs trained it reaches the point where the validation loss turns upwards.")
OVERFIT_REASONS = {
    "more_capacity": N_(
        "That %(a)s overfits and %(b)s does not is consistent with its larger capacity, which "
        "lets it memorise the training set."),
    "unregularised": N_(
        "That %(a)s overfits and %(b)s does not is consistent with the regularisation of "
        "%(b)s, which limits how closely it can fit the training set."),
    "momentum": SOONER, "nesterov": SOONER, "adaptive": SOONER, "higher_lr": SOONER,
}
INSTABILITY_REASONS = {
    "higher_lr": N_(
        "That the validation loss of %(a)s oscillates and that of %(b)s does not is "
        "consistent with its larger learning rate: near the minimum, its steps overshoot."),
    "smaller_batch": N_(
        "That the validation loss of %(a)s oscillates and that of %(b)s does not is "
        "consistent with its smaller batch, whose gradient estimates are noisier."),
}
DIVERGENCE_REASONS = {
    "higher_lr": N_(
        "That %(a)s diverges and %(b)s does not is consistent with a learning rate too large "
        "for this loss surface: each update overshoots the minimum and the loss grows instead "
        "of settling."),
}


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
    shown = [ctx.quoted(i) if isinstance(i, Label) else i for i in items]
    return ctx._("%(items)s and %(last)s", items=", ".join(shown[:-1]), last=shown[-1])


def _reason(ctx: Context, table: dict[str, str], contrast: Contrast | None) -> list[str]:
    if contrast is None or contrast.mechanism not in table:
        return []
    return [ctx._(table[contrast.mechanism], a=contrast.a, b=contrast.b)]


def curve_sentences(ctx: Context, found: StudyFindings) -> list[str]:
    reading = found.curves
    if reading is None:
        return []
    out: list[str] = []
    if reading.over_means:
        out.append(ctx._(
            "The curve measures of “%(study)s” below are read on the mean curve of each "
            "configuration over its %(n)s seeds.", study=ctx.study_title(found),
            n=ctx.integer(found.study.repeats)))
    out += overfitting_sentences(ctx, reading)
    out += gap_sentences(ctx, reading)
    out += convergence_sentences(ctx, reading)
    out += instability_sentences(ctx, reading)
    out += _reason(ctx, DIVERGENCE_REASONS, reading.divergence)
    return out


def overfitting_sentences(ctx: Context, reading: CurveReading) -> list[str]:
    lang = ctx.lang
    threshold = i18n.format_percent(thresholds.OVERFIT_MIN_RISE_REL, lang, 0)
    found = reading.findings.overfitting
    out = []
    for item in found:
        f = reading.of(item.config)
        out.append(ctx._(
            "The validation loss of %(run)s is lowest at epoch %(epoch)s (%(best)s) and then "
            "rises by %(rise)s, to %(final)s at epoch %(end)s, while its gap over the training "
            "loss grows from %(gap_best)s to %(gap_end)s: the network keeps fitting the "
            "training set after it has stopped improving on unseen data, the usual sign of "
            "overfitting.", run=item.config, epoch=ctx.integer(item.onset_epoch),
            best=loss_text(f.best_val_loss, lang),
            rise=i18n.format_percent(item.rise_rel, lang, 0),
            final=loss_text(f.final_val_loss, lang),
            end=ctx.integer(f.gap_at_end.epoch if f.gap_at_end else f.epochs),
            gap_best=loss_text(f.gap_at_best.loss if f.gap_at_best else None, lang),
            gap_end=loss_text(f.gap_at_end.loss if f.gap_at_end else None, lang)))
    measured = [(k, f) for k, f in zip(reading.labels, reading.features, strict=True)
                if f.val_loss_rise_rel is not None and not f.diverged]
    if found:
        named = {o.config for o in found}
        rest = [k for k, _ in measured if k not in named]
        if rest:
            out.append(ctx._(
                "In %(runs)s the validation loss does not rise by %(threshold)s or more after "
                "its minimum.", runs=_join(ctx, rest), threshold=threshold))
        out += _reason(ctx, OVERFIT_REASONS, reading.overfitting)
    elif measured:
        label, worst = max(measured, key=lambda item: item[1].val_loss_rise_rel or 0.0)
        if (worst.val_loss_rise_rel or 0.0) > 0:
            out.append(ctx._(
                "No configuration overfits by the measure of its validation loss: none rises "
                "by %(threshold)s or more after its minimum (the largest rise, %(rise)s, is that "
                "of %(run)s after epoch %(epoch)s).", threshold=threshold,
                rise=i18n.format_percent(worst.val_loss_rise_rel, lang, 0), run=label,
                epoch=ctx.integer(worst.best_epoch)))
        else:
            out.append(ctx._(
                "The validation loss of %(runs)s is still at its lowest in the last epoch: "
                "within the epochs trained, no overfitting shows in it.",
                runs=_join(ctx, [k for k, _ in measured])))
    return out


def _end_losses(f: CurveFeatures) -> tuple[float | None, float | None]:
    """(training, validation) loss at the end of training."""
    gap = f.gap_at_end
    if gap is None or gap.loss is None or f.final_val_loss is None:
        return None, f.final_val_loss
    return f.final_val_loss - gap.loss, f.final_val_loss


def gap_sentences(ctx: Context, reading: CurveReading) -> list[str]:
    lang = ctx.lang
    gaps = reading.findings.gaps
    ratios = {k: f.gap_at_end.loss_ratio for k, f in zip(reading.labels, reading.features,
                                                        strict=True)
              if f.gap_at_end is not None and f.gap_at_end.loss_ratio is not None
              and not f.diverged}
    if not gaps:
        if not ratios:
            return []
        label = max(ratios, key=lambda k: ratios[k])
        return [ctx._(
            "No configuration ends with a large gap between training and validation: the "
            "validation loss is at most %(ratio)s times the training loss (in %(run)s), below "
            "the factor of %(threshold)s this report takes as a sign of overfitting.",
            ratio=_ratio(ratios[label], lang), run=label,
            threshold=i18n.format_number(thresholds.GAP_LOSS_RATIO, lang, 0))]
    by_loss = [g for g in gaps if g.gap.loss_ratio is not None
               and g.gap.loss_ratio >= thresholds.GAP_LOSS_RATIO]
    out = []
    if by_loss:
        top = max(by_loss, key=lambda g: g.gap.loss_ratio or 0.0)
        train, val = _end_losses(reading.of(top.config))
        out.append(ctx._(
            "%(run)s ends with a training loss of %(train)s against a validation loss of "
            "%(val)s, %(ratio)s times as large: it fits the training set far better than data "
            "it has not seen.", run=top.config, train=loss_text(train, lang),
            val=loss_text(val, lang), ratio=_ratio(top.gap.loss_ratio, lang)))
        others = [g for g in by_loss if g is not top]
        if others:
            out.append(ctx._(
                "The validation loss is also at least twice the training loss in %(runs)s.",
                runs=_join(ctx, [ctx._("%(run)s (%(ratio)s times)", run=g.config,
                                       ratio=_ratio(g.gap.loss_ratio, lang))
                                 for g in others])))
    for g in gaps:
        if g not in by_loss and g.gap.accuracy is not None:
            f = reading.of(g.config)
            val_acc = f.final_val_accuracy
            out.append(ctx._(
                "The training accuracy of %(run)s ends %(points)s percentage points above its "
                "validation accuracy (%(train)s against %(val)s).", run=g.config,
                points=i18n.format_points(g.gap.accuracy, lang),
                train=ctx.pct(val_acc + g.gap.accuracy if val_acc is not None else None),
                val=ctx.pct(val_acc)))
    large = {g.config for g in gaps}
    small = [k for k in ratios if k not in large]
    if small and len(ratios) > 1:
        label = min(small, key=lambda k: ratios[k])
        out.append(ctx._(
            "The gap is smallest in %(run)s, whose validation loss is %(ratio)s times its "
            "training loss.", run=label, ratio=_ratio(ratios[label], lang)))
    return out + _reason(ctx, GAP_REASONS, reading.gap)


def convergence_sentences(ctx: Context, reading: CurveReading) -> list[str]:
    share = i18n.format_percent(thresholds.CONVERGENCE_FRACTION, ctx.lang, 0)
    found = reading.findings.convergence
    if found is not None:
        return [ctx._(
            "%(fast)s reaches %(share)s of its final validation accuracy by epoch %(fast_n)s, "
            "%(slow)s only by epoch %(slow_n)s.", fast=found.fastest, share=share,
            fast_n=ctx.integer(found.fastest_epochs), slow=found.slowest,
            slow_n=ctx.integer(found.slowest_epochs)),
            *_reason(ctx, CONVERGENCE_REASONS, reading.convergence)]
    timed = [(k, f.epochs_to_converge) for k, f in zip(reading.labels, reading.features,
                                                      strict=True)
             if f.epochs_to_converge is not None and not f.diverged]
    if len(timed) < 2:
        return []
    first, last = min(e for _, e in timed), max(e for _, e in timed)
    if first == last:
        return [ctx._("%(runs)s reach %(share)s of their final validation accuracy by "
                      "epoch %(n)s.", runs=_join(ctx, [k for k, _ in timed]), share=share,
                      n=ctx.integer(first))]
    return [ctx._("%(runs)s reach %(share)s of their final validation accuracy at about the "
                  "same time, between epoch %(first)s and epoch %(last)s.",
                  runs=_join(ctx, [k for k, _ in timed]), share=share,
                  first=ctx.integer(first), last=ctx.integer(last))]


def instability_sentences(ctx: Context, reading: CurveReading) -> list[str]:
    found = reading.findings.unstable
    if not found:
        return []
    runs = _join(ctx, [ctx._("%(run)s (%(value)s)", run=u.config,
                             value=i18n.format_percent(u.instability, ctx.lang, 0))
                       for u in found])
    return [ctx._(
        "In %(runs)s the validation loss oscillates over the last %(window)s epochs: in "
        "brackets, how much its changes from one epoch to the next scatter relative to its "
        "level; a smooth curve stays under %(threshold)s.", runs=runs,
        window=ctx.integer(thresholds.INSTABILITY_WINDOW),
        threshold=i18n.format_percent(thresholds.INSTABILITY_THRESHOLD, ctx.lang, 0)),
        *_reason(ctx, INSTABILITY_REASONS, reading.instability)]
