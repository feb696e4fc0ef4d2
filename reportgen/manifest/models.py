"""The `[models.X]` tables: MLP, CNN and ResNet-18; `type` picks the schema."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    field_validator,
    model_validator,
)

from reportgen.manifest.base import Count, Frozen, KeyMessage, Real, Units

Activation = Literal["relu", "leaky_relu", "sigmoid", "tanh", "elu", "gelu", "linear"]
Initializer = Literal[
    "zeros", "ones", "random_normal", "random_uniform", "glorot_uniform", "glorot_normal",
    "he_uniform", "he_normal", "lecun_normal",
]


class _ModelBase(Frozen):
    @model_validator(mode="before")
    @classmethod
    def _keys_of_other_types(cls, value: Any) -> Any:
        """`filters` in an MLP is not an unknown key: say which model types take it."""
        if not isinstance(value, dict):
            return value
        own = cls.model_fields["type"].default
        for key in value:
            if key in cls.model_fields:
                continue
            types = [t for t, model in MODEL_CLASSES.items() if key in model.model_fields]
            if types:
                takes = " or ".join(f'"{t}"' for t in types)
                raise KeyMessage(key, f"applies to type = {takes} models, not to type = "
                                      f'"{own}"')
        return value

    # Every model type: kernel penalties (Keras meaning) and the output units.
    l1: Real = Field(0.0, ge=0, description="L1 kernel penalty (Keras meaning).")
    l2: Real = Field(0.0, ge=0, description="L2 kernel penalty (Keras meaning).")
    outputs: Literal["auto"] | Count = Field("auto",
        description="Output units: auto (one per class) or a count.")

    def penalises(self, layer: int) -> bool:
        """Whether `l1`/`l2` apply to the 0-based weight layer `layer` (every one here)."""
        return True


class _LayeredModel(_ModelBase):
    """What the MLP and the CNN share: per-layer activation, initialiser, dropout, batch norm."""

    activation: Activation | list[Activation] = Field("relu",
        description="Activation of every layer, or one per layer.")
    negative_slope: Real = Field(0.01, ge=0)
    init: Initializer = Field("glorot_uniform", description="Weight initialiser (Keras names).")
    dropout: Annotated[Real, Field(ge=0, lt=1)] | list[Annotated[Real, Field(ge=0, lt=1)]] = \
        Field(0.0, description="Dropout after every layer, or one rate per layer.")
    batchnorm: bool = Field(False, description="Batch normalisation after every layer.")
    # Seed 000's M4: `l1`/`l2` on chosen weight layers only, 1-based in the order data flows
    # (a CNN's convolutions, then the hidden Dense layers, then the output layer); default all.
    penalty_layers: list[Count] | None = Field(None,
        description="Weight layers (1-based, output last) that l1/l2 apply to; default all.")

    def weight_layers(self) -> int:
        """How many layers have kernels: `penalty_layers` numbers them 1..this."""
        raise NotImplementedError

    @model_validator(mode="after")
    def _penalty_layers_exist(self) -> _LayeredModel:
        chosen, n = self.penalty_layers, self.weight_layers()
        if chosen is None:
            return self
        if bad := [i for i in chosen if i > n]:
            raise ValueError(f"penalty_layers: layer {bad[0]} does not exist; this model has "
                             f"{n} weight layers (1..{n}, the output layer last)")
        if len(set(chosen)) != len(chosen):
            raise ValueError("penalty_layers lists a layer twice")
        return self

    def penalises(self, layer: int) -> bool:
        return self.penalty_layers is None or layer + 1 in self.penalty_layers


class ModelSpec(_LayeredModel):
    """The multilayer perceptron (`type = "mlp"`, the default): inputs are flattened."""

    type: Literal["mlp"] = Field("mlp", description="Model type: mlp (default), cnn or resnet18.")
    hidden: list[Units] = Field([64], description="Widths of the hidden layers, e.g. [128, 64].")

    @field_validator("hidden", mode="before")
    @classmethod
    def _scalar_hidden(cls, value: Any) -> Any:
        return [value] if isinstance(value, int) else value

    @model_validator(mode="after")
    def _per_layer_lengths(self) -> ModelSpec:
        for name in ("activation", "dropout"):
            value = getattr(self, name)
            if isinstance(value, list) and len(value) != len(self.hidden):
                raise ValueError(
                    f"{name} lists {len(value)} values for {len(self.hidden)} hidden layers"
                )
        return self

    def weight_layers(self) -> int:
        return len(self.hidden) + 1

    def layer_activations(self) -> list[str]:
        a = self.activation
        return list(a) if isinstance(a, list) else [a] * len(self.hidden)

    def layer_dropouts(self) -> list[float]:
        d = self.dropout
        return list(d) if isinstance(d, list) else [d] * len(self.hidden)


class CnnSpec(_LayeredModel):
    """Convolution blocks (Conv2D → [BatchNorm] → activation → [MaxPool 2×2] → [Dropout]), then
    Flatten and a dense head (`hidden`), then the linear output layer."""

    type: Literal["cnn"] = "cnn"
    filters: list[Units] = Field([32, 64], description="Filters of each convolution block.")
    kernel: Count = Field(3, description="Convolution kernel size.")
    padding: Literal["same", "valid"] = "same"
    pool: Literal["max", "none"] = "max"
    hidden: list[Units] = Field([], description="Widths of the dense layers after Flatten.")

    @field_validator("filters", "hidden", mode="before")
    @classmethod
    def _scalar_layers(cls, value: Any) -> Any:
        return [value] if isinstance(value, int) else value

    @field_validator("filters")
    @classmethod
    def _some_filters(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError("needs at least one convolution block")
        return value

    @model_validator(mode="after")
    def _per_layer_lengths(self) -> CnnSpec:
        n = len(self.filters) + len(self.hidden)
        for name in ("activation", "dropout"):
            value = getattr(self, name)
            if isinstance(value, list) and len(value) != n:
                raise ValueError(f"{name} lists {len(value)} values for {len(self.filters)} "
                                 f"convolution blocks and {len(self.hidden)} hidden layers "
                                 f"({n} needed)")
        return self

    def weight_layers(self) -> int:
        return len(self.filters) + len(self.hidden) + 1

    def layer_activations(self) -> list[str]:
        """One per convolution block, then one per hidden Dense layer."""
        a = self.activation
        return list(a) if isinstance(a, list) else [a] * (len(self.filters) + len(self.hidden))

    def layer_dropouts(self) -> list[float]:
        d = self.dropout
        return list(d) if isinstance(d, list) else [d] * (len(self.filters) + len(self.hidden))


class ResnetSpec(_ModelBase):
    """torchvision's ResNet-18 (no pretrained weights) adapted to small images as MedMNIST's
    baseline does: a 3×3 stride-1 first convolution and no max pooling."""

    type: Literal["resnet18"] = "resnet18"


MODEL_CLASSES: dict[str, type[_ModelBase]] = {"mlp": ModelSpec, "cnn": CnnSpec,
                                              "resnet18": ResnetSpec}
MODEL_TYPES = tuple(MODEL_CLASSES)
IMAGE_MODELS = ("cnn", "resnet18")


def _mlp_by_default(value: Any) -> Any:
    if isinstance(value, dict) and "type" not in value:
        return {"type": "mlp", **value}
    return value


# A model table: its `type` picks the schema (an MLP when `type` is left out).
AnyModelSpec = Annotated[ModelSpec | CnnSpec | ResnetSpec, Field(discriminator="type"),
                         BeforeValidator(_mlp_by_default)]
