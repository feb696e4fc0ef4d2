"""Verdicts decided once and worded everywhere: whether a study's lead is established, and
whether the runs bear out the hypothesis the manifest states.

The abstract, the study's analysis, the general discussion and the conclusions all read these
functions, so a tie is a tie everywhere and a lead that another seed could reverse is never
called a winner in one chapter and a tie in another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from reportgen.analysis.findings import StudyFindings
from reportgen.store.records import RunRecord

HypothesisVerdict = Literal["supported", "leaning", "not_supported", "undecided",
                            "tie_supported", "tie_refuted"]


def lead_established(found: StudyFindings) -> bool | None:
    """True when the best configuration's lead clears the single-seed threshold (one seed) or
    the seed-to-seed spread (Welch's t-test with repeats); False for a tie or a lead inside
    them; None when there is nothing to compare (one configuration, no results)."""
    if found.seed_margin is not None:
        return found.seed_margin.comparison.exceeds_spread
    seeds = found.seeds
    if seeds is not None and len(seeds.order) >= 2:
        return False if seeds.order[0][1].mean <= seeds.order[1][1].mean else None
    margin = found.margin
    if margin is None or margin.runner_up is None or margin.margin is None:
        return None
    if margin.margin <= 0:
        return False
    return margin.check is not None and not margin.check.caveat


def is_tie(found: StudyFindings) -> bool:
    seeds = found.seeds
    if seeds is not None and len(seeds.order) >= 2:
        return seeds.order[0][1].mean <= seeds.order[1][1].mean
    margin = found.margin
    return margin is not None and margin.runner_up is not None and margin.margin is not None \
        and margin.margin <= 0


@dataclass(frozen=True)
class HypothesisCheck:
    expected: str  # the manifest's expected_best
    expected_run: str | None  # a run of the expected configuration (None: no run matches)
    leader_run: str  # a run of the configuration that came first
    matches: bool  # the expected configuration is the one that came first
    verdict: HypothesisVerdict


def matches(record: RunRecord, expected: str) -> bool:
    """Whether `expected` (the manifest's `expected_best`) names the run's configuration."""
    return _norm(expected) in _names(record)


def _names(record: RunRecord) -> set[str]:
    """The ways a manifest may name a run's configuration: its label, its configuration's
    label, and the value after '=' of a one-factor label (``hidden=256`` → ``256``)."""
    out = set()
    for shown in (record.label, record.config_label):
        if not shown:
            continue
        # a label the report localised remembers the stored one (report.run_labels.Label)
        label = str(getattr(shown, "identity", shown)).split(" · seed=")[0]
        out.add(_norm(label))
        if label.count("=") == 1:
            out.add(_norm(label.split("=", 1)[1]))
    return out


def _norm(text: str) -> str:
    return re.sub(r"[\s\[\]]", "", text).lower()


def hypothesis_check(found: StudyFindings) -> HypothesisCheck | None:
    """Whether the configuration the hypothesis expects to lead (`expected_best`) does, and
    how firmly; None when the study states no expected configuration or has no result."""
    expected = found.study.expected_best
    seeds = found.seeds
    if seeds is not None and seeds.order:
        first = list(seeds.order[0][0].runs)
    else:
        first = [found.best] if found.best is not None else []
    if found.study.expects_tie and first:  # no configuration expected to lead
        firm = lead_established(found)
        if firm is None:
            return None
        return HypothesisCheck("", None, first[0].run_id, not firm,
                               "tie_refuted" if firm else "tie_supported")
    if expected is None or not first:
        return None
    hit = any(matches(r, expected) for r in first)
    expected_run = next((r.run_id for r in found.runs if matches(r, expected)), None)
    firm = lead_established(found)
    if hit:
        verdict: HypothesisVerdict = "supported" if firm else "leaning"
    else:
        verdict = "not_supported" if firm else "undecided"
    return HypothesisCheck(expected, expected_run, first[0].run_id, hit, verdict)
