"""What every manifest table builds on: the frozen model base, the sane-float and count types,
per-language texts, devices, and the key-pointing validation error."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

LANGUAGES: tuple[Literal["es", "en"], ...] = ("es", "en")  # one document per language
FORMATS: tuple[Literal["html", "pdf", "docx"], ...] = ("html", "pdf", "docx")
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
              ".svg": "image/svg+xml"}


class Frozen(BaseModel):
    # inf and nan are never a meaningful setting (lr = inf passes `gt=0`)
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


SMALLEST, LARGEST = 1e-12, 1e6


def sane(value: float) -> float:
    """Refuse magnitudes no setting means: 1e-320 (a typo for 0 or 1e-3?) or 1e15."""
    if value != 0 and not SMALLEST <= abs(value) <= LARGEST:
        raise ValueError(f"{value:g} is out of range: use 0 or a magnitude between "
                         f"{SMALLEST:g} and {LARGEST:g}")
    return value


# A float of the schema: finite, 0 or of a magnitude a setting can have.
Real = Annotated[float, AfterValidator(sane)]
MAX_SEED = 2**32 - 1  # numpy's seeds are 32-bit


# ---------------------------------------------------------------- texts
class Text(Frozen):
    """A text shown in the report, per language. A plain string means the same in both."""

    es: str
    en: str

    @model_validator(mode="before")
    @classmethod
    def _from_plain(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"es": value, "en": value}
        return value

    def get(self, lang: str) -> str:
        return getattr(self, lang)


class KeyMessage(ValueError):
    """A validation error about one key of a table: the message points at that key's line."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


Engine = Literal["torch", "numpy"]


def check_device(value: str) -> str:
    ok = value in ("auto", "cpu", "cuda") or (
        value.startswith("cuda:") and value.removeprefix("cuda:").isdigit()
    )
    if not ok:
        raise ValueError(f"unknown device {value!r}: use auto, cpu, cuda or cuda:N")
    return value


Count = Annotated[int, Field(gt=0)]
# a layer's width or filters: a million-unit layer is a typo, not a lab
Units = Annotated[int, Field(gt=0, le=65_536)]
Fraction = Annotated[Real, Field(gt=0, lt=1)]
