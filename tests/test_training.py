"""The shared epoch loop, driven by a scripted trainer so each callback is tested exactly."""

import math

import pytest

from reportgen.manifest import ScheduleSpec, TrainingSpec
from reportgen.training.loop import fit, learning_rate


class Scripted:
    """A Trainer whose epoch losses and validation metrics come from lists."""

    def __init__(self, train, val=None):
        self.train, self.val = list(train), list(val or [])
        self.epoch = 0
        self.weights = 0
        self.lrs = []

    def train_epoch(self, lr):
        self.lrs.append(lr)
        loss, acc = self.train[self.epoch]
        self.epoch += 1
        self.weights = self.epoch  # "weights" = the epoch they come from
        return loss, acc

    def evaluate(self, split):
        return self.val[self.epoch - 1]

    def predict_proba(self, x):
        raise NotImplementedError

    def snapshot(self):
        return self.weights

    def restore(self, snapshot):
        self.weights = snapshot


def spec(**kwargs):
    return TrainingSpec.model_validate(kwargs)


def test_runs_all_epochs_and_records_history():
    trainer = Scripted([(1.0, 0.5), (0.8, 0.6)], [(1.1, 0.4), (0.9, 0.5)])
    result = fit(trainer, spec(epochs=2), has_val=True)
    assert result.stop_reason == "completed"
    assert [row["val_loss"] for row in result.history] == [1.1, 0.9]
    assert result.best_epoch == 2 and result.monitor == "val_loss"


def test_early_stopping_restores_best_weights():
    val = [(1.0, 0.5), (0.7, 0.6), (0.8, 0.6), (0.9, 0.6), (1.0, 0.6)]
    trainer = Scripted([(1.0, 0.5)] * 5, val)
    result = fit(trainer, spec(epochs=5, early_stopping={"patience": 2}), has_val=True)
    assert result.stop_reason == "early_stopped"
    assert len(result.history) == 4  # epochs 3 and 4 did not improve on epoch 2
    assert result.best_epoch == 2 and trainer.weights == 2


def test_early_stopping_min_delta_and_max_mode():
    val = [(1.0, 0.50), (1.0, 0.505), (1.0, 0.509), (1.0, 0.7)]
    trainer = Scripted([(1.0, 0.5)] * 4, val)
    training = spec(epochs=4, early_stopping={"monitor": "val_accuracy", "patience": 2,
                                              "min_delta": 0.01, "restore_best": False})
    result = fit(trainer, training, has_val=True)
    assert result.stop_reason == "early_stopped" and len(result.history) == 3
    assert trainer.weights == 3  # restore_best = false keeps the last weights


def test_stop_at_threshold_on_training_accuracy():
    trainer = Scripted([(1.0, 0.5), (0.5, 0.86), (0.4, 0.9)])
    result = fit(trainer, spec(epochs=3, stop_at={"monitor": "accuracy", "threshold": 0.85}),
                 has_val=False)
    assert result.stop_reason == "threshold" and len(result.history) == 2


def test_divergence_stops_and_never_stores_nan():
    trainer = Scripted([(1.0, 0.5), (math.inf, 0.1), (0.5, 0.9)], [(1.0, 0.5)] * 3)
    result = fit(trainer, spec(epochs=3), has_val=True)
    assert result.stop_reason == "diverged" and result.diverged_epoch == 2
    assert result.history[-1]["loss"] is None
    assert all(v is None or math.isfinite(v) for row in result.history for v in row.values())


def test_eval_every_skips_validation_but_always_evaluates_last_epoch():
    trainer = Scripted([(1.0, 0.5)] * 5, [(1.0, 0.5)] * 5)
    result = fit(trainer, spec(epochs=5, eval_every=2), has_val=True)
    measured = [row["epoch"] for row in result.history if row["val_loss"] is not None]
    assert measured == [2, 4, 5]


def test_schedule_is_applied_per_epoch():
    trainer = Scripted([(1.0, 0.5)] * 4)
    training = spec(epochs=4, optimizer={"name": "sgd", "lr": 0.1},
                    schedule={"kind": "step", "step_size": 2, "gamma": 0.5})
    fit(trainer, training, has_val=False)
    assert trainer.lrs == pytest.approx([0.1, 0.1, 0.05, 0.05])


@pytest.mark.parametrize(("kind", "expected"), [
    ("none", [0.1, 0.1, 0.1]),
    ("linear", [0.1, 0.1 * (1 - 1 / 3), 0.1 * (1 - 2 / 3)]),
    ("exponential", [0.1 * (0.001 / 0.1) ** (t / 3) for t in range(3)]),
    ("cosine", [0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * t / 3)) / 2 for t in range(3)]),
])
def test_schedule_formulas(kind, expected):
    schedule = ScheduleSpec(kind=kind, final_lr=0.001)
    assert [learning_rate(schedule, 0.1, t, 3) for t in range(3)] == pytest.approx(expected)


def test_linear_schedule_floors_at_final_lr():
    schedule = ScheduleSpec(kind="linear", final_lr=0.05)
    assert learning_rate(schedule, 0.1, 9, 10) == pytest.approx(0.05)


def test_early_stopping_armed_only_once_the_threshold_is_reached():
    """Seed 004 §12: patience counts only evaluations at or above arm_at."""
    accs = [0.90, 0.91, 0.90, 0.90, 0.90, 0.96, 0.965, 0.96, 0.94, 0.96, 0.96, 0.97]
    val = [(1.0, a) for a in accs]
    stopping = {"monitor": "val_accuracy", "patience": 3, "min_delta": 0.001}
    plain = fit(Scripted([(1.0, 0.5)] * 12, val), spec(epochs=12, early_stopping=stopping),
                has_val=True)
    assert plain.stop_reason == "early_stopped" and len(plain.history) == 5
    armed = fit(Scripted([(1.0, 0.5)] * 12, val),
                spec(epochs=12, early_stopping={**stopping, "arm_at": 0.95}), has_val=True)
    # best 0.965 at epoch 7; 8 and 10 do not improve, 9 (below 0.95) is not counted, 11 is the third
    assert armed.stop_reason == "early_stopped" and len(armed.history) == 11


def test_early_stopping_arm_at_on_a_loss_is_reached_from_above():
    losses = [(v, 0.5) for v in (2.0, 1.9, 1.95, 1.96, 1.97, 0.5, 0.6, 0.7, 0.4, 0.3)]
    result = fit(Scripted([(1.0, 0.5)] * 10, losses),
                 spec(epochs=10, early_stopping={"patience": 2, "arm_at": 1.0}), has_val=True)
    assert result.stop_reason == "early_stopped" and len(result.history) == 8


def test_previous_epochs_train_first_without_callbacks():
    """Seed 004 §8.1: fit() again, with EarlyStopping, on a model already trained 3 epochs."""
    val = [(0.5, 0.9), (0.6, 0.9), (0.7, 0.9),  # the earlier fit: worse and worse, best first
           (0.4, 0.9), (0.45, 0.9), (0.41, 0.9), (0.3, 0.9), (0.35, 0.9)]
    trainer = Scripted([(1.0, 0.99)] * 8, val)
    training = spec(epochs=5, previous_epochs=3, early_stopping={"patience": 2},
                    stop_at={"monitor": "accuracy", "threshold": 0.95})
    result = fit(trainer, training, has_val=True)
    # stop_at (train accuracy 0.99) is armed from epoch 4 on only: it stops the run there
    assert result.stop_reason == "threshold" and len(result.history) == 4
    assert result.best_epoch == 4 and result.extra == {"restored_epoch": 4, "previous_epochs": 3}
    second = Scripted([(1.0, 0.5)] * 8, val)
    stopped = fit(second, spec(epochs=5, previous_epochs=3, early_stopping={"patience": 2}),
                  has_val=True)
    # epoch 1's 0.5 is not a best to beat: the continuation's best is epoch 4, then 5 and 6 wait
    assert stopped.stop_reason == "early_stopped" and len(stopped.history) == 6
    assert stopped.best_epoch == 4 and second.weights == 4


def test_previous_epochs_complete_after_both_parts():
    result = fit(Scripted([(1.0, 0.5)] * 5, [(1.0, 0.5)] * 5), spec(epochs=2, previous_epochs=3),
                 has_val=True)
    assert result.stop_reason == "completed" and [r["epoch"] for r in result.history] == \
        [1, 2, 3, 4, 5]


def test_previous_epochs_refuse_a_schedule():
    with pytest.raises(ValueError, match="previous_epochs"):
        spec(epochs=5, previous_epochs=2, schedule={"kind": "linear"})
