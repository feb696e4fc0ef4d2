"""The rubric: points per study and per metric, partial credit, penalties (docs/grading.md).

Without a file, `DEFAULT` applies: 10 points per study, shared equally by the accuracy and the
loss on the validation and test splits (those the key reports); half credit for a metric within
twice its tolerance; 1 point off per missing run and 2 per run with a changed configuration.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reportgen.errors import ReportgenError
from reportgen.store.records import SPLITS

METRICS = ("accuracy", "loss", "macro_f1", "weighted_f1", "roc_auc")
DEFAULT_METRICS = {"val.accuracy": 1.0, "val.loss": 1.0, "test.accuracy": 1.0, "test.loss": 1.0}
Points = Annotated[float, Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StudyRubric(_Strict):
    points: Points = 10.0
    # "split.metric" → its weight; the study's points are shared in proportion
    metrics: dict[str, Points] = Field(default_factory=lambda: dict(DEFAULT_METRICS))

    @field_validator("metrics")
    @classmethod
    def _known(cls, metrics: dict[str, float]) -> dict[str, float]:
        for name in metrics:
            split, _, metric = name.partition(".")
            if split not in SPLITS or metric not in METRICS:
                raise ValueError(f"unknown metric {name!r} (write split.metric: a split of "
                                 f"{', '.join(SPLITS)} and a metric of {', '.join(METRICS)})")
        if metrics and not any(metrics.values()):
            raise ValueError("every metric weighs 0")
        return metrics


class Partial(_Strict):
    band: Annotated[float, Field(ge=1)] = 2.0  # × the tolerance
    credit: Annotated[float, Field(ge=0, le=1)] = 0.5  # share of the metric's points


class Penalties(_Strict):
    missing_run: Points = 1.0  # per run of the key missing from the submission
    changed_configuration: Points = 2.0  # per run trained with another configuration
    edited: Points = 0.0  # per run with a number that its records do not give


class Rubric(_Strict):
    defaults: StudyRubric = StudyRubric()
    studies: dict[str, StudyRubric] = Field(default_factory=dict)
    partial: Partial = Partial()
    penalties: Penalties = Penalties()
    explicit: bool = Field(default=False, exclude=True)  # read from a file (not the default)

    def for_study(self, study_id: str) -> StudyRubric:
        return self.studies.get(study_id, self.defaults)

    def weights(self, study_id: str, reported: set[str]) -> dict[str, float]:
        """Points per metric of a study: its points shared by weight over the metrics the key
        reports. The default rubric skips metrics the key lacks; a rubric file may not."""
        rubric = self.for_study(study_id)
        chosen = {m: w for m, w in rubric.metrics.items() if w > 0}
        absent = [m for m in chosen if m not in reported]
        if absent and self.explicit:
            raise ReportgenError(f"rubric: study {study_id}: the answer key has no "
                                 f"{', '.join(absent)}")
        chosen = {m: w for m, w in chosen.items() if m in reported}
        total = sum(chosen.values())
        return {m: rubric.points * w / total for m, w in chosen.items()} if total else {}


DEFAULT = Rubric()


def load(path: Path) -> Rubric:
    """A rubric file; bad input → ReportgenError naming the file and the setting."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportgenError(f"{path}: rubric not found") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ReportgenError(f"{path}: not a readable TOML file ({exc})") from None
    if "explicit" in data:
        raise ReportgenError(f"{path}: unknown setting 'explicit'")
    try:
        return Rubric.model_validate({**data, "explicit": True})
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "rubric"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown setting"
        raise ReportgenError(f"{path}: {where}: {message}") from None
