"""What single factor separates two configurations, as a mechanism the report can name.

`difference(a, b)` compares two runs' full configurations and returns a language-neutral key
("momentum": A has momentum and B not, "more_capacity": A has more parameters, …) only when
they differ in one kind of factor; two configurations differing in several things (the
configurations of different searches) give None, and the report states no reason.
"""

from __future__ import annotations

from typing import Any, Literal

from reportgen.store.records import RunRecord

Mechanism = Literal[
    "momentum", "no_momentum", "nesterov", "no_nesterov", "adaptive", "not_adaptive",
    "higher_lr", "lower_lr", "more_capacity", "less_capacity", "regularised",
    "unregularised", "smaller_batch", "larger_batch", "batchnorm", "no_batchnorm"]

# optimizers that scale each parameter's step by its own gradient history
ADAPTIVE = frozenset({"adam", "adamw", "nadam", "rmsprop", "adagrad", "adadelta", "adamax"})
PLAIN = frozenset({"sgd", "gd"})
CAPACITY = ("model.hidden", "model.filters", "model.blocks", "model.type", "model.kernel")
PENALTIES = ("model.l1", "model.l2", "model.dropout")
IGNORED = ("seed", "device", "engine", "training.previous_epochs")


def _flat(value: Any, path: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    out = {} if out is None else out
    if isinstance(value, dict):
        for key, inner in value.items():
            _flat(inner, f"{path}.{key}" if path else key, out)
    else:
        out[path] = value
    return out


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else 0.0


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p + ".") for p in prefixes)


def difference(a: RunRecord, b: RunRecord) -> Mechanism | None:
    """The one kind of factor in which `a` differs from `b`, seen from `a`; else None."""
    fa, fb = _flat(a.config), _flat(b.config)
    diff = {p for p in fa.keys() | fb.keys()
            if fa.get(p) != fb.get(p) and not _under(p, IGNORED)}
    if not diff:
        return None
    opt = "training.optimizer"
    if all(_under(p, (opt,)) for p in diff):
        name_a, name_b = fa.get(f"{opt}.name"), fb.get(f"{opt}.name")
        if name_a != name_b:
            if name_a in ADAPTIVE and name_b in PLAIN:
                return "adaptive"
            if name_a in PLAIN and name_b in ADAPTIVE:
                return "not_adaptive"
            return None
        parts = {p.rsplit(".", 1)[-1] for p in diff}
        if parts == {"momentum"} or parts == {"momentum", "nesterov"}:
            more = _number(fa.get(f"{opt}.momentum")) > _number(fb.get(f"{opt}.momentum"))
            return "momentum" if more else "no_momentum"
        if parts == {"nesterov"}:
            return "nesterov" if fa.get(f"{opt}.nesterov") else "no_nesterov"
        if parts == {"lr"}:
            return "higher_lr" if _number(fa.get(f"{opt}.lr")) > _number(fb.get(f"{opt}.lr")) \
                else "lower_lr"
        return None
    if all(_under(p, CAPACITY) for p in diff):
        if a.n_params is None or b.n_params is None or a.n_params == b.n_params:
            return None
        return "more_capacity" if a.n_params > b.n_params else "less_capacity"
    if all(_under(p, PENALTIES) for p in diff):
        reg_a = any(_number(fa.get(p)) > 0 for p in PENALTIES)
        reg_b = any(_number(fb.get(p)) > 0 for p in PENALTIES)
        if reg_a != reg_b:
            return "regularised" if reg_a else "unregularised"
        return None
    if diff == {"training.batch_size"}:
        size_a, size_b = fa.get("training.batch_size"), fb.get("training.batch_size")
        if isinstance(size_a, int) and isinstance(size_b, int):
            return "smaller_batch" if size_a < size_b else "larger_batch"
        return "smaller_batch" if size_b == "full" else "larger_batch"
    if diff == {"model.batchnorm"}:
        return "batchnorm" if fa.get("model.batchnorm") else "no_batchnorm"
    return None
