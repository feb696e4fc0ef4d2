"""Reading learning curves: features of one run and findings across configurations."""

import math

import numpy as np
import pytest

from reportgen.analysis.curves import (
    CONVERGENCE_MIN_MARGIN,
    History,
    compare_curves,
    curve_features,
    instability,
)


def smooth(n=20, start=1.0, end=0.1):
    """A steadily falling loss: no overfitting, no oscillation."""
    return list(np.geomspace(start, end, n))


def rising_accuracy(n=20, to_95=5, final=0.9):
    """Validation accuracy that first reaches 95 % of `final` at epoch `to_95`."""
    low = 0.5 * final
    values = [low + (0.94 * final - low) * i / (to_95 - 1) for i in range(to_95 - 1)]
    return values + [0.95 * final + (final - 0.95 * final) * i / (n - to_95)
                     for i in range(n - to_95 + 1)]


def test_default_report_case_train_loss_0_010_val_near_0_08_is_a_large_gap():
    # The case: training loss falls to 0.010, validation loss stays near 0.08.
    loss = list(np.geomspace(0.5, 0.010, 30))
    val_loss = [0.3, 0.2, 0.12, 0.09] + [0.08 + 0.002 * ((i % 3) - 1) for i in range(26)]
    history = History.of(loss, val_loss, [0.9] * 29 + [1.0], [0.97] * 30)
    features = curve_features(history)
    assert features.large_gap
    assert features.gap_at_end.loss == pytest.approx(0.08 - 0.010, abs=0.003)
    assert features.gap_at_end.loss_ratio > 7
    findings = compare_curves({"default": features})
    assert [g.config for g in findings.gaps] == ["default"]


def test_small_losses_close_together_are_not_a_gap():
    loss = smooth(10, 0.5, 0.001)
    val_loss = [v * 2 for v in loss]  # ratio 2, but 0.001 apart at the end
    features = curve_features(History.of(loss, val_loss))
    assert not features.large_gap


def test_accuracy_gap_of_three_points_is_large():
    history = History.of(smooth(), smooth(), [1.0] * 20, [0.96] * 20)
    assert curve_features(history).large_gap
    history = History.of(smooth(), smooth(), [1.0] * 20, [0.98] * 20)
    assert not curve_features(history).large_gap


def test_overfitting_onset_is_the_epoch_of_lowest_val_loss():
    val_loss = [1.0, 0.6, 0.4, 0.3, 0.32, 0.36, 0.40, 0.45]
    features = curve_features(History.of(smooth(8), val_loss))
    assert features.best_epoch == 4
    assert features.best_val_loss == 0.3
    assert features.overfits
    assert features.overfitting_onset == 4
    assert features.val_loss_rise == pytest.approx(0.15)
    assert features.val_loss_rise_rel == pytest.approx(0.5)
    assert features.gap_at_best.epoch == 4


def test_a_falling_val_loss_does_not_overfit():
    features = curve_features(History.of(smooth(), smooth(start=1.1, end=0.12)))
    assert not features.overfits
    assert features.overfitting_onset is None
    assert features.best_epoch == 20
    assert features.val_loss_rise == 0


def test_a_rise_in_the_last_epoch_only_is_not_overfitting():
    val_loss = [*smooth(10)[:-1], smooth(10)[-2] * 1.5]
    assert not curve_features(History.of(smooth(10), val_loss)).overfits


def test_unmeasured_epochs_are_skipped():
    # eval_every = 2: validation measured at epochs 2, 4, 6, 8
    val_loss = [None, 0.5, None, 0.3, None, 0.4, None, 0.5]
    features = curve_features(History.of(smooth(8), val_loss))
    assert features.best_epoch == 4
    assert features.final_val_loss == 0.5
    assert features.overfits
    assert features.gap_at_end.epoch == 8


def test_convergence_epoch_reaches_95_percent_of_final_accuracy():
    history = History.of(smooth(), smooth(), None, rising_accuracy(to_95=8))
    features = curve_features(history)
    assert features.epochs_to_converge == 8
    assert features.final_val_accuracy == pytest.approx(0.9)


def test_oscillating_val_loss_is_unstable_and_smooth_is_not():
    zigzag = [*smooth(15, 1.0, 0.3), 0.36, 0.3, 0.36, 0.3, 0.31]
    assert curve_features(History.of(smooth(20), zigzag)).unstable
    assert not curve_features(History.of(smooth(20), smooth(20))).unstable
    assert instability((0.3, 0.3, 0.3, 0.3)) == 0.0
    assert instability((0.3, 0.2)) is None


def test_non_finite_or_exploding_loss_is_divergence():
    features = curve_features(History.of([2.3, 5.0, None, None], [2.3, 9.0, None, None]))
    assert features.diverged and features.divergence_epoch == 3
    features = curve_features(History.of([2.3, 2.0, 30.0, math.inf]))
    assert features.divergence_epoch == 3
    assert not curve_features(History.of(smooth())).diverged


def test_history_rejects_curves_of_different_lengths():
    with pytest.raises(ValueError, match="val_loss has 3 epochs, loss has 2"):
        History.of([1.0, 0.5], [1.0, 0.5, 0.4])


def test_history_from_store_rows():
    rows = [{"epoch": 1, "loss": 1.0, "val_loss": 1.1, "accuracy": 0.5, "val_accuracy": 0.4},
            {"epoch": 2, "loss": 0.5, "val_loss": None, "accuracy": 0.7, "val_accuracy": None}]
    history = History.from_rows(rows)
    assert history.epochs == 2
    assert math.isnan(history.val_loss[1])


def test_comparison_names_fastest_and_slowest_configurations():
    features = {
        "sgd": curve_features(History.of(smooth(30), smooth(30), None, rising_accuracy(30, 25))),
        "sgd+momentum": curve_features(History.of(smooth(30), smooth(30), None,
                                                  rising_accuracy(30, 8))),
    }
    finding = compare_curves(features).convergence
    assert (finding.fastest, finding.fastest_epochs) == ("sgd+momentum", 8)
    assert (finding.slowest, finding.slowest_epochs) == ("sgd", 25)
    assert finding.margin == 17


def test_comparison_ignores_a_convergence_margin_below_the_threshold():
    a = curve_features(History.of(smooth(), smooth(), None, rising_accuracy(to_95=6)))
    b = curve_features(History.of(smooth(), smooth(), None,
                                  rising_accuracy(to_95=6 + CONVERGENCE_MIN_MARGIN - 1)))
    assert compare_curves({"a": a, "b": b}).convergence is None


def test_comparison_lists_overfitting_unstable_and_diverged_configurations():
    overfit = curve_features(History.of(smooth(8), [1.0, 0.6, 0.4, 0.3, 0.32, 0.36, 0.4, 0.45]))
    unstable = curve_features(History.of(smooth(20), [*smooth(15, 1.0, 0.3), 0.36, 0.3, 0.36, 0.3, 0.31]))
    diverged = curve_features(History.of([2.3, None], [2.3, None]))
    calm = curve_features(History.of(smooth(), smooth()))
    findings = compare_curves({"l2=0": overfit, "lr=0.5": unstable, "lr=5": diverged,
                               "calm": calm})
    assert [(f.config, f.onset_epoch) for f in findings.overfitting] == [("l2=0", 4)]
    assert [f.config for f in findings.unstable] == ["lr=0.5"]
    assert [(f.config, f.epoch) for f in findings.diverged] == [("lr=5", 2)]
    assert findings.convergence is None


def test_a_steep_but_smooth_fall_is_not_oscillation():
    """An exponential still falling fast has unequal steps but never turns back up."""
    falling = [2.3 * math.exp(-epoch / 3) + 0.12 for epoch in range(1, 13)]
    features = curve_features(History.of(falling, falling))
    assert features.instability is not None and features.instability >= 0.05
    assert not features.unstable


# ---------------------------------------------------------------- one verdict (issue 26, item 7)
def final(train_loss=0.05, val_loss=0.06, train_accuracy=0.99, val_accuracy=0.98, epoch=20):
    from reportgen.analysis.curves import FinalFit
    return FinalFit(epoch, train_loss, val_loss, train_accuracy, val_accuracy)


def test_the_end_of_training_gap_is_the_final_evaluation_not_the_running_history():
    from reportgen.analysis.curves import with_final
    # the history's running training loss ends at 0.010 (ratio 8); the final evaluation the
    # tables show gives 0.05 against 0.06 (ratio 1.2): no large gap
    history = History.of(smooth(20, 1.0, 0.010), [0.08] * 20, [1.0] * 20, [0.99] * 20)
    assert curve_features(history).large_gap
    features = with_final(curve_features(history), final())
    assert features.gap_at_end.loss_ratio == pytest.approx(1.2)
    assert features.gap_at_end.accuracy == pytest.approx(0.01)
    assert not features.large_gap


def test_an_accuracy_gap_above_five_points_overfits_even_without_a_loss_rise():
    from reportgen.analysis.curves import fit_verdict
    features = curve_features(History.of(smooth(), smooth(20, 1.0, 0.2)))
    assert not features.overfits
    assert fit_verdict(features, final(train_accuracy=1.0, val_accuracy=0.94)) == "overfits"
    assert fit_verdict(features, final(train_accuracy=1.0, val_accuracy=0.96)) == "gap"
    assert fit_verdict(features, final(train_accuracy=0.99, val_accuracy=0.98)) == "none"


def test_a_rising_validation_loss_overfits_whatever_the_accuracy_gap():
    from reportgen.analysis.curves import fit_verdict
    val_loss = [1.0, 0.6, 0.4, 0.3, 0.32, 0.36, 0.40, 0.45]
    features = curve_features(History.of(smooth(8), val_loss))
    assert fit_verdict(features, final(train_accuracy=0.99, val_accuracy=0.985)) == "overfits"


def test_a_diverging_run_is_never_called_overfitting():
    from reportgen.analysis.curves import fit_verdict
    loss = [1.0, 2.0, 30.0, math.nan, math.nan, math.nan]
    val_loss = [1.0, 0.5, 0.9, 1.5, 2.0, 3.0]  # lowest at epoch 2, then rising 500 %
    features = curve_features(History.of(loss, val_loss))
    assert features.diverged and features.overfits
    assert fit_verdict(features, final(train_accuracy=1.0, val_accuracy=0.5)) == "diverged"
