import numpy as np
import pytest

from reportgen.training.initializers import dense_stack, kernel

FAN_IN, FAN_OUT = 400, 300


def sample(name):
    return kernel(name, FAN_IN, FAN_OUT, np.random.default_rng(0))


@pytest.mark.parametrize(("name", "std"), [
    ("random_normal", 0.05),
    ("random_uniform", 0.05 / np.sqrt(3)),
    ("glorot_uniform", np.sqrt(2 / (FAN_IN + FAN_OUT))),
    ("glorot_normal", np.sqrt(2 / (FAN_IN + FAN_OUT))),
    ("he_uniform", np.sqrt(2 / FAN_IN)),
    ("he_normal", np.sqrt(2 / FAN_IN)),
    ("lecun_normal", np.sqrt(1 / FAN_IN)),
])
def test_initialiser_variance_matches_keras(name, std):
    weights = sample(name)
    assert weights.shape == (FAN_IN, FAN_OUT)
    assert abs(weights.mean()) < 0.05 * std * 10
    assert weights.std() == pytest.approx(std, rel=0.02)


@pytest.mark.parametrize(("name", "std"), [("glorot_normal", np.sqrt(2 / (FAN_IN + FAN_OUT))),
                                         ("he_normal", np.sqrt(2 / FAN_IN)),
                                         ("lecun_normal", np.sqrt(1 / FAN_IN))])
def test_normal_initialisers_are_truncated_at_two_sigma(name, std):
    scale = std / 0.87962566103423978  # the untruncated normal's σ
    assert np.abs(sample(name)).max() <= 2 * scale


def test_uniform_limits():
    limit = np.sqrt(6 / (FAN_IN + FAN_OUT))
    assert np.abs(sample("glorot_uniform")).max() <= limit
    assert np.all(sample("zeros") == 0) and np.all(sample("ones") == 1)


def test_dense_stack_is_seeded_and_biases_start_at_zero():
    first, again, other = (dense_stack([4, 3, 2], "he_normal", seed) for seed in (1, 1, 2))
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0][0], other[0][0])
    assert [w.shape for w, _ in first] == [(4, 3), (3, 2)]
    assert all(np.all(b == 0) for _, b in first)
