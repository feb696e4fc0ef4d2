"""Comparing two configurations over seeds, and the single-seed caveat."""

import pytest

from reportgen.analysis.significance import (
    SINGLE_SEED_ACCURACY_MARGIN,
    compare_seeds,
    single_seed_margin,
)


def test_a_clear_difference_exceeds_the_seed_spread():
    result = compare_seeds([0.95, 0.96, 0.955, 0.958], [0.90, 0.905, 0.91, 0.897])
    assert result.difference == pytest.approx(0.05275)
    assert result.exceeds_spread
    assert result.p_value < 0.001
    assert 0 < result.ci_low < result.difference < result.ci_high
    assert (result.n_a, result.n_b) == (4, 4)


def test_overlapping_scores_do_not_exceed_the_spread():
    result = compare_seeds([0.95, 0.90, 0.97, 0.92], [0.94, 0.96, 0.89, 0.93])
    assert not result.exceeds_spread
    assert result.p_value > 0.5
    assert result.ci_low < 0 < result.ci_high


def test_the_bootstrap_is_deterministic_and_seeded():
    a, b = [0.9, 0.921, 0.913, 0.937, 0.884], [0.891, 0.902, 0.933, 0.871, 0.915]
    assert compare_seeds(a, b) == compare_seeds(a, b)
    other = compare_seeds(a, b, seed=1)
    assert (other.ci_low, other.ci_high) != (compare_seeds(a, b).ci_low, compare_seeds(a, b).ci_high)


def test_welch_p_value_matches_scipy():
    from scipy import stats

    a, b = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0]
    expected = stats.ttest_ind(a, b, equal_var=False).pvalue
    assert compare_seeds(a, b).p_value == pytest.approx(expected)


def test_zero_spread_on_both_sides():
    result = compare_seeds([0.9, 0.9], [0.8, 0.8])
    assert result.p_value is None and result.exceeds_spread
    assert not compare_seeds([0.9, 0.9], [0.9, 0.9]).exceeds_spread


@pytest.mark.parametrize("a", [[0.9], [], [0.9, float("nan")]])
def test_bad_scores_name_the_side(a):
    with pytest.raises(ValueError, match="compare_seeds: A"):
        compare_seeds(a, [0.8, 0.9])


def test_single_seed_caveat_is_attached_to_every_margin_below_the_threshold():
    # The inconsistency: 0.3 and 0.6 points must get the same treatment.
    assert single_seed_margin(0.973, 0.970, "val_accuracy").caveat
    assert single_seed_margin(0.976, 0.970, "val_accuracy").caveat
    check = single_seed_margin(0.99, 0.97, "val_accuracy")
    assert not check.caveat and check.threshold == SINGLE_SEED_ACCURACY_MARGIN


def test_single_seed_threshold_grows_for_small_splits():
    # 114 validation samples: two samples are 1.75 points
    check = single_seed_margin(0.965, 0.95, "val_accuracy", n_samples=114)
    assert check.threshold == pytest.approx(2 / 114)
    assert check.caveat


def test_single_seed_loss_margin_is_relative():
    assert single_seed_margin(0.062, 0.064, "val_loss").caveat  # 3 % of 0.062
    assert not single_seed_margin(0.062, 0.070, "val_loss").caveat  # 13 %
