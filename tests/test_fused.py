"""Fused training (engines/fused.py, grouping.py): a group of runs trained as one batched model
gives each run the history, stop, restored weights and metrics it gets when trained alone,
within `fused.TOLERANCE`; the grouping rules; records, store and report unchanged but for
`extra["fused_group"]` and the appendix."""

from __future__ import annotations

import itertools
import math
import types
import warnings

import numpy as np
import pytest
import torch

from reportgen import manifest
from reportgen.data import Dataset, Split
from reportgen.execution import executor
from reportgen.execution.options import RunOptions
from reportgen.manifest import RunConfig
from reportgen.plan import expand
from reportgen.plan.expand import RunSpec
from reportgen.report.build import build
from reportgen.store.records import FusedGroup
from reportgen.store.store import Store
from reportgen.training.engines import fused, fused_optimizer, grouping
from reportgen.training.engines.torch_engine import TorchTrainer
from reportgen.training.loop import fit
from tests.helpers import TINY, write_manifest


def toy_dataset(n: int = 240, features: int = 12, classes: int = 3, seed: int = 0) -> Dataset:
    """A learnable linear problem with train/val/test splits (160/40/40)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype(np.float32)
    y = (x @ rng.normal(size=(features, classes)) + 0.5 * rng.normal(size=(n, classes)))
    y = y.argmax(axis=1).astype(np.int64)
    cut = [0, n * 2 // 3, n * 5 // 6, n]
    splits = {name: Split(x[a:b], y[a:b])
              for name, a, b in zip(("train", "val", "test"), cut[:-1], cut[1:], strict=True)}
    return Dataset(name="toy", source="files", classes=[f"c{i}" for i in range(classes)],
                   splits=splits, preprocess="none")


DATA = toy_dataset()


def config(optimizer: dict, *, seed: int = 1, model: dict | None = None, **training) -> RunConfig:
    return RunConfig.model_validate({
        "dataset": "toy", "engine": "torch", "seed": seed, "device": "cpu",
        "model": {"hidden": [16, 8], **(model or {})},
        "training": {"epochs": 6, "batch_size": 32, "optimizer": optimizer, **training},
    })


def alone(configs: list[RunConfig]) -> list[tuple]:
    """Each run trained by itself: (FitResult, test probabilities)."""
    out = []
    for cfg in configs:
        trainer = TorchTrainer(cfg, DATA, "cpu")
        result = fit(trainer, cfg.training, has_val=True)
        out.append((result, trainer.predict_proba(DATA.splits["test"].x)))
    return out


def together(configs: list[RunConfig]) -> list[tuple]:
    """The same runs as one fused group."""
    got: dict[int, tuple] = {}

    def done(member: fused.MemberResult) -> None:
        got[member.index] = (member.result, member.model.predict_proba(DATA.splits["test"].x))

    fused.train_group(configs, DATA, "cpu", done)
    return [got[i] for i in range(len(configs))]


def assert_same(reference: tuple, candidate: tuple, where: str) -> None:
    """The documented guarantee: identical control flow (epochs, stops, restored epoch),
    losses within rtol/atol, accuracies within one sample, probabilities within 1e-4."""
    tol = fused.TOLERANCE
    (want, want_proba), (got, got_proba) = reference, candidate
    assert (got.stop_reason, got.best_epoch, got.diverged_epoch, got.monitor, got.extra) == \
        (want.stop_reason, want.best_epoch, want.diverged_epoch, want.monitor, want.extra), where
    assert len(got.history) == len(want.history), where
    sizes = {"loss": 160, "accuracy": 160, "val_loss": 40, "val_accuracy": 40}
    for a, b in zip(want.history, got.history, strict=True):
        assert (a["epoch"], a["lr"]) == (b["epoch"], b["lr"]), where
        for key, n in sizes.items():
            if a[key] is None or b[key] is None:
                assert a[key] is b[key] is None, (where, a["epoch"], key)
            elif "loss" in key:
                assert b[key] == pytest.approx(a[key], rel=tol["loss_rtol"],
                                               abs=tol["loss_atol"]), (where, a["epoch"], key)
            else:
                assert abs(a[key] - b[key]) <= tol["accuracy_samples"] / n + 1e-12, \
                    (where, a["epoch"], key)
    if want.stop_reason != "diverged":
        np.testing.assert_allclose(got_proba, want_proba, atol=1e-4, err_msg=where)


# Per optimizer family: members that differ in what a group may vary — hyperparameters, seed,
# initialiser, activations, dropout, penalties.
OPTIMIZERS = {
    "gd": [{"name": "gd", "lr": 0.1}, {"name": "gd", "lr": 0.3}],
    "sgd": [{"name": "sgd", "lr": 0.05}, {"name": "sgd", "lr": 0.1}],
    "momentum": [{"name": "sgd", "lr": 0.05, "momentum": 0.9},
                 {"name": "sgd", "lr": 0.05, "momentum": 0.5}, {"name": "sgd", "lr": 0.05}],
    "nesterov": [{"name": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True},
                 {"name": "sgd", "lr": 0.02, "momentum": 0.9}],
    "adagrad": [{"name": "adagrad", "lr": 0.05},
                {"name": "adagrad", "lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-5}],
    "rmsprop": [{"name": "rmsprop", "lr": 0.005}, {"name": "rmsprop", "lr": 0.01, "rho": 0.8}],
    "rmsprop centered": [{"name": "rmsprop", "lr": 0.005, "centered": True, "momentum": 0.5},
                         {"name": "rmsprop", "lr": 0.005, "centered": True},
                         {"name": "rmsprop", "lr": 0.002, "momentum": 0.3}],
    "adam": [{"name": "adam", "lr": 0.005}, {"name": "adam", "lr": 0.01, "beta1": 0.8,
                                             "beta2": 0.99, "eps": 1e-6},
             {"name": "adam", "lr": 0.005, "amsgrad": True}],
    "adamw": [{"name": "adamw", "lr": 0.005, "weight_decay": 0.1},
              {"name": "adam", "lr": 0.005}],
}


@pytest.mark.parametrize("case", list(OPTIMIZERS))
def test_fused_group_matches_training_one_by_one(case: str) -> None:
    optimizers = OPTIMIZERS[case]
    batch = "full" if case == "gd" else 32
    first = optimizers[0]
    configs = [config(opt, batch_size=batch) for opt in optimizers]
    configs += [
        config(first, seed=5, batch_size=batch, model={"init": "he_normal"}),
        config(first, seed=2, batch_size=batch, model={"activation": ["tanh", "elu"]}),
        config(first, seed=3, batch_size=batch, model={"dropout": [0.3, 0.0], "l2": 0.01}),
        config(first, seed=4, batch_size=batch, model={"l1": 0.001, "dropout": 0.1,
                                                       "activation": "tanh"}),
    ]
    for index, (want, got) in enumerate(zip(alone(configs), together(configs), strict=True)):
        assert_same(want, got, f"{case} member {index}")


def test_each_member_keeps_its_callbacks_and_a_diverging_one_leaves_the_group() -> None:
    sgd = {"name": "sgd", "lr": 0.05, "momentum": 0.9}
    configs = [
        config({**sgd, "lr": 0.3}, epochs=12, early_stopping={"patience": 1}),
        config(sgd, seed=2, epochs=12, stop_at={"monitor": "accuracy", "threshold": 0.7}),
        config({"name": "sgd", "lr": 1e4}, seed=3, epochs=12, model={"activation": "linear"}),
        config(sgd, seed=4, epochs=12, eval_every=3, schedule={"kind": "linear"}),
        config(sgd, seed=5, epochs=5, schedule={"kind": "step", "step_size": 2, "gamma": 0.5}),
        config(sgd, seed=6, epochs=9, schedule={"kind": "cosine", "final_lr": 0.001},
               model={"dropout": 0.2}),
        config(sgd, seed=7, epochs=8, schedule={"kind": "exponential", "final_lr": 0.005},
               early_stopping={"monitor": "val_accuracy", "patience": 2,
                               "restore_best": False}),
    ]
    reference = alone(configs)
    reasons = [result.stop_reason for result, _ in reference]
    # the cases this test is about really happen
    assert reasons[:3] == ["early_stopped", "threshold", "diverged"]
    assert reasons[3:5] == ["completed", "completed"]
    assert reference[0][0].extra == {"restored_epoch": reference[0][0].best_epoch}
    for index, (want, got) in enumerate(zip(reference, together(configs), strict=True)):
        assert_same(want, got, f"member {index}")


@pytest.mark.parametrize("hidden", [[], [8, 8, 8]])
def test_any_depth(hidden: list[int]) -> None:
    adam = {"name": "adam", "lr": 0.01}
    configs = [config(adam, seed=s, model={"hidden": hidden, "dropout": 0.1 if hidden else 0.0})
               for s in (1, 2, 3)]
    for index, (want, got) in enumerate(zip(alone(configs), together(configs), strict=True)):
        assert_same(want, got, f"{hidden} member {index}")


def test_a_finished_member_does_not_change_the_others() -> None:
    """Results do not depend on the group: a member trains the same with or without others."""
    adam = {"name": "adam", "lr": 0.01}
    configs = [config(adam, epochs=3), config(adam, seed=2, epochs=7),
               config({**adam, "lr": 0.02}, seed=3, epochs=5)]
    group = together(configs)
    pair = together(configs[1:])
    for (a, _), (b, _) in zip(group[1:], pair, strict=True):
        assert [r["loss"] for r in a.history] == pytest.approx([r["loss"] for r in b.history],
                                                              rel=1e-6)


def test_row_seconds_are_shares_of_the_group_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    """A row's seconds are its epoch's time divided among the members that trained in it, and a
    member's train_seconds their sum: timed on a clock on which every epoch takes 6 s."""
    clock = itertools.count(0.0, 6.0)  # group_epochs reads it at an epoch's start and end
    monkeypatch.setattr(fused, "time", types.SimpleNamespace(perf_counter=lambda: next(clock)))
    got: dict[int, fused.MemberResult] = {}
    fused.train_group([config({"name": "adam"}, seed=1, epochs=2),
                       config({"name": "adam"}, seed=2, epochs=4)], DATA, "cpu",
                      lambda member: got.setdefault(member.index, member))
    # two members in epochs 1-2 (6 s / 2 each), the second alone in epochs 3-4
    assert [row["seconds"] for row in got[0].result.history] == [3.0, 3.0]
    assert [row["seconds"] for row in got[1].result.history] == [3.0, 3.0, 6.0, 6.0]
    assert [got[0].train_seconds, got[1].train_seconds] == [6.0, 18.0]


def test_the_batched_forward_pass_is_nn_linear() -> None:
    """One member's logits through the fused layers equal the torch module's (same weights)."""
    cfg = config({"name": "adam"}, model={"activation": ["gelu", "sigmoid"]})
    trainer = fused.FusedTrainer([cfg, cfg.model_copy(update={"seed": 9})], DATA, "cpu")
    alone_trainer = TorchTrainer(cfg, DATA, "cpu")
    x = torch.from_numpy(DATA.splits["val"].x)
    with torch.no_grad():
        want = alone_trainer.model(x)
        got = trainer._eval_logits(trainer.params[:1], trainer.members[:1], x)[0]
        batched = trainer._train_logits(x.expand(2, -1, -1))[0]
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(batched, want, rtol=1e-5, atol=1e-6)


def test_optimizer_family_must_be_one() -> None:
    with pytest.raises(ValueError, match="one optimizer family"):
        fused_optimizer.group_optimizer([manifest.OptimizerSpec(name="adam"),
                               manifest.OptimizerSpec(name="sgd")], torch.zeros(2, 3))


@pytest.mark.parametrize("layout", ["one block", "a block per member", "row by row"])
@pytest.mark.parametrize("case", list(OPTIMIZERS))
def test_column_updates_are_torch_optims_bit_for_bit(case: str, layout: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Each member's row gets exactly what torch.optim gives a lone parameter tensor, whatever
    the mix of hyperparameters: over one block of members or several (CPU_BLOCK), with
    per-member values as columns or one call per member (ROW_BY_ROW)."""
    from reportgen.training.engines.torch_engine import make_optimizer

    if layout == "a block per member":
        monkeypatch.setattr(fused_optimizer, "CPU_BLOCK", 3000)
    if layout == "row by row":
        monkeypatch.setattr(fused_optimizer, "ROW_BY_ROW", 1000)

    specs = [manifest.OptimizerSpec(**raw) for raw in OPTIMIZERS[case]]
    generator = torch.Generator().manual_seed(0)
    k, size = len(specs), 3000
    params = torch.randn(k, size, generator=generator)
    grads = torch.zeros(k, size)
    group = fused_optimizer.FusedOptimizer(specs, params)
    rows = [params[i].clone().requires_grad_() for i in range(k)]
    alone_ = [make_optimizer(spec, [row]) for spec, row in zip(specs, rows, strict=True)]
    for step in range(8):
        grads.copy_(torch.randn(k, size, generator=generator) * 0.01)
        lrs = [spec.lr * (1 + step % 3) for spec in specs]  # as a schedule would
        group.set_lr(lrs)
        for row, grad, optimizer, lr in zip(rows, grads, alone_, lrs, strict=True):
            row.grad = grad.clone()
            optimizer.param_groups[0]["lr"] = lr
            optimizer.step()
        group.step(params, grads)
        for i in range(k):
            assert torch.equal(params[i], rows[i].detach()), (case, step, i)


def test_finished_members_leave_the_optimizer_with_their_state() -> None:
    adam = {"name": "adam", "lr": 0.01}
    configs = [config(adam, epochs=2), config(adam, seed=2, epochs=6),
               config({**adam, "beta1": 0.5}, seed=3, epochs=4), config(adam, seed=4)]
    for index, (want, got) in enumerate(zip(alone(configs), together(configs), strict=True)):
        assert_same(want, got, f"member {index}")


# ---------------------------------------------------------------- grouping
def spec(cfg: RunConfig, label: str = "run") -> RunSpec:
    return RunSpec(study_id="s", label=label, variant=None, varied={}, config=cfg)


def groups_of(configs: list[RunConfig], **kwargs) -> list[list[int]]:
    specs = [spec(c, str(i)) for i, c in enumerate(configs)]
    found = grouping.fused_groups(specs, {"toy": DATA}, lambda s: "cpu", **kwargs)
    return [sorted(int(s.label) for s in group) for group in found]


def test_runs_differing_in_hyperparameters_form_one_group() -> None:
    adam = {"name": "adam", "lr": 0.001}
    configs = [config(adam), config({**adam, "lr": 0.01}), config(adam, seed=9),
               config(adam, model={"activation": "tanh", "init": "he_uniform"}),
               config(adam, model={"dropout": 0.5, "l2": 0.1}),
               config({"name": "adamw", "weight_decay": 0.1}),
               config(adam, epochs=3, early_stopping={"patience": 2})]
    assert groups_of(configs) == [[0, 1, 2, 3, 4, 5, 6]]


def test_different_shapes_batch_optimizer_or_loss_are_separate_groups() -> None:
    adam = {"name": "adam"}
    configs = [config(adam), config(adam, seed=2),  # 0, 1: together
               config(adam, model={"hidden": [32, 8]}), config(adam, model={"hidden": [32, 8]},
                                                                seed=2),  # 2, 3
               config(adam, batch_size=16),  # 4: alone
               config({"name": "sgd"}), config({"name": "sgd", "momentum": 0.9}),  # 5, 6
               config(adam, loss="mse"),  # 7: alone
               config(adam, model={"batchnorm": True}),  # 8, 9: never fused
               config(adam, model={"batchnorm": True}, seed=2)]
    numpy_run = config(adam).model_copy(update={"engine": "numpy"})
    assert grouping.fusion_key(numpy_run, DATA, "cpu") is None
    assert sorted(groups_of(configs)) == [[0, 1], [2, 3], [5, 6]]


def test_memory_budget_splits_a_group_evenly() -> None:
    configs = [config({"name": "adam"}, seed=s) for s in range(7)]
    each = grouping.member_bytes(configs[0], DATA)
    assert sorted(map(len, groups_of(configs, budget=int(3.5 * each)))) == [2, 2, 3]
    assert groups_of(configs, budget=int(1.5 * each)) == []  # one member per group: none fused
    assert grouping.split(list(range(10)), 4) == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_member_bytes_grows_with_state_and_snapshots() -> None:
    sgd = grouping.member_bytes(config({"name": "sgd"}), DATA)
    adam = grouping.member_bytes(config({"name": "adam"}), DATA)
    restoring = grouping.member_bytes(config({"name": "adam"}, early_stopping={}), DATA)
    assert sgd < adam < restoring


def test_cpu_fuses_small_networks_only_unless_forced() -> None:
    wide = Dataset(name="wide", source="files", classes=[str(i) for i in range(10)],
                   splits={"train": Split(np.zeros((3200, 784), np.float32),
                                          np.arange(3200) % 10)}, preprocess="none")

    def mlp(hidden: int, **training) -> RunConfig:
        return config({"name": "adam"}, model={"hidden": [hidden]}, **training).model_copy(
            update={"dataset": "wide"})

    assert grouping.worth_fusing(config({"name": "adam"}), DATA, "cpu")
    assert grouping.worth_fusing(mlp(128), wide, "cpu")  # 784-128-10 at batch 32
    assert not grouping.worth_fusing(mlp(512), wide, "cpu")  # 784-512-10 at batch 32
    assert not grouping.worth_fusing(mlp(128, batch_size=512), wide, "cpu")
    big = mlp(512)
    assert grouping.worth_fusing(big, wide, "cuda")
    specs = [spec(big, "0"), spec(big.model_copy(update={"seed": 2}), "1")]
    assert grouping.fused_groups(specs, {"wide": wide}, lambda s: "cpu") == []
    assert len(grouping.fused_groups(specs, {"wide": wide}, lambda s: "cpu", force=True)) == 1


@pytest.mark.parametrize(("text", "expected"), [("512MiB", 512 << 20), ("2GiB", 2 << 30),
                                                ("1.5g", 1_500_000_000), ("4096", 4096)])
def test_parse_size(text: str, expected: int) -> None:
    assert grouping.parse_size(text) == expected


def test_parse_size_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="not a memory size"):
        grouping.parse_size("lots")


# ---------------------------------------------------------------- execute, store, report
SWEEP = TINY.replace('vary = { "model.hidden" = [[8], [16]] }',
                     'vary = { "training.optimizer.lr" = [0.001, 0.01], "seed" = [1, 2] }')


def run_manifest(tmp_path, text: str, **options):
    tmp_path.mkdir(parents=True, exist_ok=True)
    spec_ = manifest.load(write_manifest(tmp_path, text))
    store = Store(tmp_path / "out")
    outcome = executor.execute(spec_, expand.expand(spec_), store, RunOptions(**options))
    return outcome, store.load()


def test_records_are_those_of_one_by_one_training_plus_the_group(tmp_path) -> None:
    _, fused_results = run_manifest(tmp_path / "a", SWEEP, fuse=True)
    _, alone_results = run_manifest(tmp_path / "b", SWEEP, fuse=False)
    fused_runs, alone_runs = fused_results.studies["width"], alone_results.studies["width"]
    assert [r.record.run_id for r in fused_runs] == [r.record.run_id for r in alone_runs]
    ids = [r.record.run_id for r in fused_runs]
    timing = {"wall_seconds", "seconds_per_epoch", "started_at", "fused_group", "metrics"}
    for got, want in zip(fused_runs, alone_runs, strict=True):
        a, b = got.record.to_dict(), want.record.to_dict()
        assert {k: v for k, v in a.items() if k not in timing} == \
            {k: v for k, v in b.items() if k not in timing}
        assert got.record.fused_group == FusedGroup(
            id=ids[0][:12], size=4, run_ids=ids, labels=[r.record.label for r in fused_runs])
        assert want.record.fused_group is None
        for split, metrics in want.record.metrics.items():
            assert got.record.metrics[split].loss == pytest.approx(metrics.loss, rel=1e-4)
            assert got.record.metrics[split].confusion == metrics.confusion
        for x, y in zip(got.history, want.history, strict=True):
            assert x["loss"] == pytest.approx(y["loss"], rel=1e-4)
            assert x["val_accuracy"] == pytest.approx(y["val_accuracy"], abs=1 / 359 + 1e-9)


def test_appendix_names_the_fused_runs(tmp_path) -> None:
    _, results = run_manifest(tmp_path, SWEEP, fuse=True)
    for lang, word, run in (("en", "Group 1", "lr 0.01 · seed 2"),
                            ("es", "Grupo 1", "tasa 0,01 · semilla 2")):
        model = build(results, lang)
        runs = next(t for t in model.tables() if t.id == "runs")
        assert runs.columns[-1].key == "fused_group"
        assert [row[-1].value for row in runs.rows] == [1, 1, 1, 1]
        appendix = "\n".join(b.text for b in model.section("appendix").blocks
                             if hasattr(b, "text") and isinstance(b.text, str))
        assert word in appendix and run in appendix  # runs named as in the document


def test_no_fuse_and_study_fuse_false_train_one_by_one(tmp_path) -> None:
    _, results = run_manifest(tmp_path / "cli", SWEEP, fuse=False)
    assert all(r.record.fused_group is None for r in results.studies["width"])
    text = SWEEP.replace('training = "quick"\n', 'training = "quick"\nfuse = false\n')
    _, results = run_manifest(tmp_path / "study", text, fuse=True)
    assert all(r.record.fused_group is None for r in results.studies["width"])
    model = build(results, "en")
    assert next(t for t in model.tables() if t.id == "runs").columns[-1].key != "fused_group"


def test_default_fuses_small_networks_on_the_cpu(tmp_path) -> None:
    _, results = run_manifest(tmp_path, SWEEP)
    assert all(r.record.fused_group.size == 4 for r in results.studies["width"])


def test_stored_runs_are_not_retrained_and_a_failed_group_falls_back(tmp_path,
                                                                     monkeypatch) -> None:
    outcome, _ = run_manifest(tmp_path, SWEEP, fuse=True)
    assert len(outcome.trained) == 4
    again, _ = run_manifest(tmp_path, SWEEP, fuse=True)
    assert not again.trained and len(again.skipped) == 4

    def broken(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(fused, "train_group", broken)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome, results = run_manifest(tmp_path, SWEEP, fuse=True, fresh=True)
    assert len(outcome.trained) == 4 and not outcome.failed
    assert any("out of memory" in str(w.message) for w in caught)
    assert all(r.record.fused_group is None for r in results.studies["width"])


def test_a_diverged_member_is_recorded_as_when_alone(tmp_path) -> None:
    text = TINY.replace('vary = { "model.hidden" = [[8], [16]] }',
                        'vary = { "training.optimizer" = [{ name = "sgd", lr = 0.1 }, '
                        '{ name = "sgd", lr = 1e4 }] }\n').replace(
        "[models.mlp]\n", '[models.mlp]\nactivation = "linear"\n')
    _, results = run_manifest(tmp_path, text, fuse=True)
    ok, diverged = (r.record for r in results.studies["width"])
    assert ok.stop_reason == "completed" and ok.metrics
    assert diverged.stop_reason == "diverged" and not diverged.metrics
    assert diverged.fused_group.size == 2
    assert math.isfinite(ok.metrics["test"].loss)


def test_cli_options_reach_execute(tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from reportgen.cli import app

    seen = {}

    def fake_execute(manifest, plan, store, options, progress):
        seen.update(fuse=options.fuse, max_fused_memory=options.max_fused_memory)
        raise KeyboardInterrupt  # stop before rendering

    monkeypatch.setattr(executor, "execute", fake_execute)
    path = str(write_manifest(tmp_path, SWEEP))
    out = ["--out", str(tmp_path / "o")]
    runner = CliRunner()
    runner.invoke(app, ["run", path, *out, "--no-fuse", "--max-fused-memory", "512MiB"])
    assert (seen["fuse"], seen["max_fused_memory"]) == (False, 512 << 20)
    runner.invoke(app, ["run", path, *out])
    assert (seen["fuse"], seen["max_fused_memory"]) == (None, None)
    result = runner.invoke(app, ["run", path, *out, "--max-fused-memory", "lots"])
    assert result.exit_code == 2 and "--max-fused-memory: not a memory size" in result.stderr
