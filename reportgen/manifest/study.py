"""Studies and the whole manifest: a run's resolved configuration, variants, studies and
`Manifest`."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from reportgen.manifest import names
from reportgen.manifest.base import MAX_SEED, Engine, Frozen, KeyMessage, Text, check_device
from reportgen.manifest.datasets import DatasetSpec
from reportgen.manifest.models import AnyModelSpec, ModelSpec
from reportgen.manifest.report_table import Defaults, Limits, ReportSection
from reportgen.manifest.space import SearchSpec, SpaceParam
from reportgen.manifest.training import TrainingSpec


class RunConfig(Frozen):
    """The fully resolved configuration of one run: what variants and sweeps address."""

    dataset: str
    model: AnyModelSpec
    training: TrainingSpec
    engine: Engine
    seed: int = Field(ge=0, le=MAX_SEED)
    device: str

    @field_validator("device")
    @classmethod
    def _device(cls, value: str) -> str:
        return check_device(value)

    def mlp(self) -> ModelSpec:
        """The model as an MLP spec: the fused and NumPy engines train nothing else."""
        if not isinstance(self.model, ModelSpec):
            raise ValueError(f"a {self.model.type} model is not an MLP")
        return self.model


class Variant(Frozen):
    name: str = Field(min_length=1,
        description="Variant name, shown in the report (at most 64 characters).")

    @field_validator("name")
    @classmethod
    def _printable_name(cls, value: str) -> str:
        return names.check_label(value)

    title: Text | None = None
    engine: Engine | None = None
    seed: int | None = Field(None, ge=0, le=MAX_SEED)
    device: str | None = None
    set: dict[str, Any] = Field({},
        description="Dotted paths set by this variant, e.g. { \"model.hidden\" = [256] }.")
    # The variant is meant to fail (seed 004 §6: 5 output units for 10 classes); the report
    # shows the error as its outcome instead of stopping the whole run.
    expect_error: bool = Field(False,
        description="The variant is meant to fail: the report shows the error.")
    # Search-space entries replacing (or adding to) the study's `[studies.search.space]`.
    space: dict[str, SpaceParam] = Field({},
        description="Search-space entries replacing the study's.")
    # The study whose search chose this variant's values (seed 002: M1's learning rate came
    # from a search over [0.0001, 0.1]); checked to exist and to have a search.
    chosen_by: str | None = Field(None,
        description="Id of the search study that chose this variant's values.")


Section = Literal["curves", "dual_axis", "confusion", "per_class", "model_summary",
                  "distribution", "samples"]


class Study(Frozen):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]*$", max_length=names.MAX_NAME,
        description="Study id: letters, digits, _ and -, at most 64 characters.")
    title: Text | None = Field(None, description="Study title shown in the report.")
    description: Text | None = Field(None,
        description="Text shown at the start of the study's section.")
    question: Text | None = Field(None,
        description="The question this study answers, quoted by the report.")
    notes: Text | None = None
    objective: Text | None = Field(None,
        description="The study's objective, numbered among the introduction's objectives.")
    hypothesis: Text | None = Field(None,
        description="What the authors expect; the analysis says whether the runs support it.")
    expected_best: str | None = Field(None, max_length=200,
        description="The configuration the hypothesis expects to come first: its label as the "
                    "runs table's CSV gives it (\"hidden=256\", a variant name such as \"L2\"), "
                    "or the value alone (\"256\"); the analysis says whether the runs bear "
                    "the hypothesis out.")
    expects_tie: bool = Field(False,
        description="The hypothesis expects no configuration to lead by more than the noise "
                    "(the single-seed threshold, or the seed-to-seed spread); the analysis "
                    "says whether the runs bear that out. Not with expected_best.")
    dataset: str | list[str] = Field(
        description="Name of a [datasets.X] block (or a list, or an inline table).")
    model: str = Field("default", description="Name of a [models.X] block, or an inline table.")
    training: str = Field("default",
        description="Name of a [trainings.X] block, or an inline table.")
    engine: Engine | None = None
    seed: int | None = Field(None, ge=0, le=MAX_SEED)
    device: str | None = None
    vary: dict[str, list[Any]] = Field({},
        description="A grid of dotted paths and their values, e.g. { \"model.hidden\"= [[64], "
                    "[128]] }.")
    variants: list[Variant] = Field([], description="Named variants, each setting dotted paths.")
    evaluate: list[Literal["train", "val", "test"]] = Field(["val", "test"],
        description="Splits to evaluate: train, val, test.")
    show: list[Section] = Field(
        ["curves", "confusion", "per_class", "model_summary", "distribution"],
        description="Figures and tables of the study's section.")
    search: SearchSpec | None = Field(None, description="Tune the study's config tree with Optuna.")
    # Each configuration trains `repeats` times with seeds seed, seed+1, …: the report gives
    # mean ± std and min–max, and an answer key's tolerances come from that spread.
    repeats: int = Field(1, ge=1, le=100,
        description="Train each configuration this many times (seeds seed, seed+1, …).")
    # Train runs that differ only in hyperparameters, seeds, activations... as one batched
    # model where that is faster (engines/fused.py); false trains each run on its own.
    fuse: bool = True

    @field_validator("vary")
    @classmethod
    def _non_empty_values(cls, value: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for key, values in value.items():
            if not values:
                raise ValueError(f"{key!r} has no values")
        return value

    @model_validator(mode="after")
    def _unique_variant_names(self) -> Study:
        names = [v.name for v in self.variants]
        if dupes := sorted({n for n in names if names.count(n) > 1}):
            raise ValueError(f"variant names repeat: {', '.join(dupes)}")
        if self.repeats > 1 and "seed" in self.vary:
            raise ValueError("repeats already varies the seed (seed, seed+1, …): "
                             "remove \"seed\" from vary or set repeats = 1")
        if self.expects_tie and self.expected_best is not None:
            raise ValueError("expects_tie and expected_best say opposite things: a hypothesis "
                             "expects one configuration first or none; keep one of them")
        if self.repeats > 1 and self.search is not None and not self.search.retrain_best:
            raise ValueError("repeats retrains a search's best configuration with each seed: "
                             "it needs search.retrain_best = true")
        return self

    def datasets(self) -> list[str]:
        return [self.dataset] if isinstance(self.dataset, str) else list(self.dataset)


class Manifest(Frozen):
    report: ReportSection
    defaults: Defaults = Defaults()
    limits: Limits = Limits()
    datasets: dict[str, DatasetSpec]
    # pydantic copies these defaults per instance (ruff cannot see the BaseModel from here)
    models: dict[str, AnyModelSpec] = {}  # noqa: RUF012
    trainings: dict[str, TrainingSpec] = {}  # noqa: RUF012
    studies: list[Study] = Field(min_length=1)
    # Set by `load`, not by the user:
    source_path: str = ""
    source_text: str = ""

    @field_validator("datasets", mode="before")
    @classmethod
    def _file_names(cls, value: Any) -> Any:
        """Dataset names are file names in the output folder (`datasets/<name>.json`)."""
        for key in value if isinstance(value, dict) else ():
            # a study's inline dataset is hoisted as "<study id>:dataset"
            name = key.removesuffix(":dataset") if key.endswith(":dataset") else key
            try:
                names.check_file_name(name)
            except ValueError as exc:
                raise KeyMessage(key, str(exc)) from None
        return value

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.source_text.encode()).hexdigest()

    @property
    def stem(self) -> str:
        return Path(self.source_path).stem or "report"

    def study(self, study_id: str) -> Study:
        for study in self.studies:
            if study.id == study_id:
                return study
        raise KeyError(study_id)
