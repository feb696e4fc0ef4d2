"""Answer keys: the "expected results" appendix, and what a GPU does to reproducibility.

The appendix shows exactly what `results.json`'s `expected` block holds (the same function
computes both), so the tolerances a grader reads are the ones `reportgen diff` applies.
Functions take the report's context and the studies' findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportgen.analysis import repeats, results_json
from reportgen.analysis.findings import StudyFindings
from reportgen.report import i18n
from reportgen.report.context import Context
from reportgen.report.labels import ACCURACY_HEADERS, ACCURACY_NAMES
from reportgen.report.model import Block, Cell, Column, Paragraph, Section
from reportgen.store.records import RunRecord

SPLITS = ("val", "test")


def expected_section(ctx: Context, studies: Sequence[StudyFindings]) -> Section:
    intro = Paragraph(ctx._(
        "What a correct submission should reproduce, study by study: each configuration's "
        "accuracy over its seeds and the tolerance a grader should allow around the mean. A "
        "tolerance is measured, not chosen: %(sigmas)s times the standard deviation over the "
        "seeds, never less than the observed range (maximum − minimum), rounded up to "
        "%(step)s. A configuration trained with a single seed has no measured spread and so no "
        "tolerance; on a CPU, a rerun with the same seed reproduces every number exactly. "
        "The command reportgen diff KEY SUBMISSION applies these tolerances run by run.",
        sigmas=str(repeats.TOLERANCE_SIGMAS),
        step=i18n.format_number(repeats.TOLERANCE_STEP, ctx.lang, 4)))
    subsections = tuple(study_expectations(ctx, v) for v in studies if v.runs)
    return Section("expected", "B", ctx._("Appendix: expected results"), (intro,), subsections)


def study_expectations(ctx: Context, found: StudyFindings) -> Section:
    expected = results_json.expected(list(found.runs), found.study.repeats)
    configs = expected["configurations"]
    rows = []
    for config in configs:
        row = [Cell(config["label"]), Cell(len(config["runs"]), "int")]
        for split in SPLITS:
            spread = config["metrics"].get(split, {}).get("accuracy")
            tolerance = config["tolerance"].get(split, {}).get("accuracy")
            row += [Cell(spread["mean"] if spread else None, "num"),
                    Cell(spread["std"] if spread else None, "num"),
                    Cell(tolerance, "num", digits=4)]
        rows.append(row)
    columns = [Column("configuration", ctx._("Configuration")),
               Column("seeds", ctx._("Seeds"), True)]
    for split in SPLITS:
        group = ctx._(ACCURACY_HEADERS[split])
        columns += [Column(f"{split}_mean", ctx._("Mean"), True, group),
                    Column(f"{split}_std", ctx._("Std. dev."), True, group),
                    Column(f"{split}_tolerance", ctx._("Tolerance (±)"), True, group)]
    best = next((i for i, c in enumerate(configs) if c["best"]), None)
    table = ctx.table(f"expected-{found.key}",
                    ctx._("Expected accuracy of every configuration of “%(study)s”.",
                        study=ctx.study_title(found)),
                    columns, rows, highlight=best if len(configs) > 1 else None)
    lead = ctx._("Table %(n)s gives the expected accuracy of every configuration.",
               n=str(table.number))
    if best is not None:
        lead += " " + expectation_sentence(ctx, configs[best], expected["score_split"])
    blocks: list[Block] = [Paragraph(lead), table]
    return Section(f"expected-{found.key}", "", ctx.study_title(found), tuple(blocks))


def expectation_sentence(ctx: Context, config: dict[str, Any], score_split: str) -> str:
    """What a grader accepts for the best configuration, split by split."""
    ranges = []
    for split in [s for s in SPLITS if s in config["metrics"]] or [score_split]:
        spread = config["metrics"].get(split, {}).get("accuracy")
        tolerance = config["tolerance"].get(split, {}).get("accuracy")
        if spread is None:
            continue
        if tolerance is None:
            ranges.append(ctx._("%(metric)s %(value)s", metric=ctx._(ACCURACY_NAMES[split]),
                              value=ctx.pct(spread["mean"])))
        else:
            ranges.append(ctx._("%(metric)s between %(low)s and %(high)s",
                              metric=ctx._(ACCURACY_NAMES[split]),
                              low=ctx.pct(max(0.0, spread["mean"] - tolerance)),
                              high=ctx.pct(min(1.0, spread["mean"] + tolerance))))
    measured = any(v is not None for split in config["tolerance"].values()
                   for v in split.values())
    if measured:
        return ctx._("Best configuration: %(run)s. Accept %(ranges)s.", run=config["label"],
                   ranges="; ".join(ranges))
    return ctx._("Best configuration: %(run)s, with %(ranges)s. It was trained with one seed, "
               "so no spread was measured: set repeats = 3 (or more) on the study to measure "
               "a tolerance.", run=config["label"], ranges="; ".join(ranges))


# ---------------------------------------------------------------- CUDA
def cuda_note(ctx: Context, records: Sequence[RunRecord]) -> Paragraph | None:
    """On a GPU some kernels accumulate in an order that changes from run to run; say which
    ones these models used, and what that means for comparing numbers."""
    on_gpu = [r for r in records if r.device.startswith("cuda")]
    if not on_gpu:
        return None
    types = {r.config.get("model", {}).get("type", "mlp") for r in on_gpu}
    operations = [ctx._("matrix products (cuBLAS)")]
    if any(r.config.get("training", {}).get("loss") == "cross_entropy" for r in on_gpu):
        operations.append(ctx._("the cross-entropy loss (NLLLoss on CUDA)"))
    if types & {"cnn", "resnet18"}:
        operations.append(ctx._("convolutions (cuDNN picks its algorithms, some "
                              "non-deterministic)"))
    if "resnet18" in types:
        operations.append(ctx._("the backward pass of adaptive average pooling"))
    return Paragraph(ctx._(
        "%(n)s of these runs trained on a GPU. PyTorch's default CUDA kernels for %(ops)s may "
        "add up floating-point numbers in a different order from one run to the next, so "
        "rerunning the same manifest with the same seed on a GPU can change the last digits, "
        "and training can amplify that into small differences in the final metrics. reportgen "
        "keeps PyTorch's faster default kernels, so compare GPU results within a tolerance: "
        "an answer key trained on a GPU with repeats measures its tolerances on runs "
        "subject to this variation, so they include it. On a CPU, reruns are identical.",
        n=i18n.format_int(len(on_gpu), ctx.lang), ops=", ".join(operations)))
