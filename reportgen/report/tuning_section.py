"""What a study with a `[studies.search]` adds to its results: the comparison of its searches
(cost and result, which found the best objective), then one section per search
(`search_section`). The facts come from `reportgen.analysis.searches`; importance was computed
when the search finished and is read from its record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from reportgen import figures
from reportgen.analysis import searches
from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.searches import best_record
from reportgen.analysis.significance import SINGLE_SEED_LOSS_REL_MARGIN, single_seed_margin
from reportgen.report import i18n, search_section
from reportgen.report.context import Context
from reportgen.report.i18n import N_
from reportgen.report.model import Block, Cell, Column, Figure, Paragraph, Section, Table
from reportgen.report.search_words import SearchWords, shown_value, upper_first
from reportgen.store.records import finite
from reportgen.store.tuning_records import TuningRecord, comparison


def comparison_blocks(ctx: Context, found: StudyFindings) -> list[Block]:
    """The comparison of the study's searches (table and verdict) for the study's section in
    the body; empty with fewer than two comparable searches."""
    part = _Comparison(ctx, found)
    groups = searches.groups(part.records)
    return list(part.comparison_section(groups).blocks) if part.records and groups else []


def search_sections(ctx: Context, found: StudyFindings) -> tuple[Section, ...]:
    """One section per search (trials, importance, brackets), for the appendix."""
    part = _Comparison(ctx, found)
    return tuple(search_section.search_section(ctx, part.view, record)
                 for record in part.records)


BUDGET_CAPTIONS = (
    N_("Best %(objective)s so far of each search of “%(study)s” against the training epochs it "
       "had spent; the large dot marks where its budget ran out."),
    N_("“%(study)s”: how fast each search approaches its best %(objective)s, as the best value "
       "so far against the cumulative training epochs; a large dot ends each search."),
    N_("For each search of “%(study)s”, the best %(objective)s reached so far as training "
       "epochs accumulate, up to the large dot where the search stopped."),
)


BUDGET_SENTENCES = (
    N_("Figure %(n)s draws the best %(objective)s of each search against the training epochs "
       "spent: with %(search)s, the best value came after %(epochs)s of the %(total)s epochs "
       "spent."),
    N_("How much training each search needed is in figure %(n)s: with %(search)s, the best "
       "configuration turned up after %(epochs)s of %(total)s epochs."),
    N_("In figure %(n)s, which follows the best %(objective)s as epochs accumulate, the best "
       "value with %(search)s is reached after %(epochs)s of %(total)s epochs."),
)


def budget_sentence(ctx: Context, found: StudyFindings, number: int) -> str:
    """The sentence that introduces figure `number` (`budget_figure`): after how many of its
    epochs the search with the best objective found its best configuration."""
    part = _Comparison(ctx, found)
    best = best_record(part.records) or part.records[0]
    points = budget_points(best)
    total = sum(t.epochs or 0 for t in best.trials)
    return ctx._(ctx.phrasing("budget-reference", BUDGET_SENTENCES, found), n=str(number),
                 objective=part.objective_name(best), search=part.search_name(best),
                 epochs=ctx.integer(points[-1][0] if points else total),
                 total=ctx.integer(total))


def budget_points(record: TuningRecord) -> list[tuple[float, float]]:
    """(epochs spent up to and including a trial, best complete value so far) at every trial
    that improved it, trials in the order they ran; every trial's epochs count, pruned and
    failed ones too."""
    out: list[tuple[float, float]] = []
    spent = 0.0
    for trial in sorted(record.trials, key=lambda t: t.number):
        spent += trial.epochs or 0
        value = finite(trial.value)
        if trial.state != "complete" or value is None:
            continue
        if not out or (value < out[-1][1] if record.minimise else value > out[-1][1]):
            out.append((spent, value))
    return out


def budget_figure(ctx: Context, found: StudyFindings) -> Figure | None:
    """Does a search find as good a configuration with fewer epochs? The best objective so far
    of each search against the cumulative training epochs, one line per search; None when no
    search of the study has a complete trial."""
    part = _Comparison(ctx, found)
    lines = [figures.BudgetLine(upper_first(part.search_name(record)), budget_points(record),
                                float(sum(t.epochs or 0 for t in record.trials)))
             for record in part.records]
    if not any(line.points for line in lines):
        return None
    record = part.records[0]  # one objective per study
    texts = figures.BudgetTexts(xlabel=ctx._("Training epochs spent (cumulative)"),
                                ylabel=part.objective_header(record),
                                spent=ctx._("budget spent"),
                                decimal=i18n.decimal_separator(ctx.lang))
    caption = ctx._(ctx.phrasing("budget-caption", BUDGET_CAPTIONS, found),
                    objective=part.objective_name(record), study=ctx.study_title(found))
    accuracy = "accuracy" in record.objective
    return ctx.figure(f"fig-tuning-{found.key}-budget", caption,
                      lambda prefix: figures.budget_curves(lines, texts, accuracy,
                                                           prefix=prefix))


def conclusions(ctx: Context, found: StudyFindings) -> list[str]:
    """Which search found the best objective and at what cost, for the discussion."""
    part = _Comparison(ctx, found)
    return [" ".join(part.verdict(group, brief=True)) for group in searches.groups(part.records)]


class _Comparison(SearchWords):
    # -- the parts
    def comparison_section(self, groups: list[list[TuningRecord]]) -> Section:
        table = self.comparison_table()
        blocks: list[Block] = [
            Paragraph(self._("Table %(n)s compares the searches: trials, epochs, time and the "
                             "best objective each reached.", n=str(table.number))), table]
        budget = budget_figure(self.ctx, self.view)
        if budget is not None:  # beside the verdict that reads it
            blocks.append(dataclasses.replace(budget, aside=True))
        for group in groups:
            blocks.append(Paragraph(" ".join(self.verdict(group))))
        if budget is not None:
            blocks.append(Paragraph(budget_sentence(self.ctx, self.view, budget.number)))
        return Section(f"tuning-{self.view.key}-comparison", "",
                       self._("Comparison of the searches"), tuple(blocks))

    def comparison_table(self) -> Table:
        records = self.records
        rows_data = comparison(records)
        objective = self.objective_name(records[0])  # one objective per study
        failed = any(row["failed"] for row in rows_data)
        rows = []
        for record, row in zip(records, rows_data, strict=True):
            cells = [Cell(row["label"], display=upper_first(self.search_name(record))),
                     Cell(row["trials"], "int"), Cell(row["complete"], "int"),
                     Cell(row["pruned"], "int")]
            cells += [Cell(row["failed"], "int")] if failed else []
            cells += [Cell(row["epochs"], "int"), Cell(finite(row["wall_seconds"]), "secs"),
                      Cell(row["best_trial"], "int"), Cell(finite(row["best_value"]), "num"),
                      Cell(finite(row["test_accuracy"]), "num")]
            rows.append(cells)
        columns = [Column("label", self._("Search")), Column("trials", self._("Trials"), True),
                   Column("complete", self._("Complete"), True),
                   Column("pruned", self._("Pruned"), True)]
        columns += [Column("failed", self._("Failed"), True)] if failed else []
        columns += [Column("epochs", self._("Epochs trained"), True),
                    Column("wall_seconds", self._("Time"), True),
                    Column("best_trial", self._("Best trial"), True),
                    Column("best_value", self._("Best: %(objective)s", objective=objective),
                           True),
                    Column("test_accuracy", self._("Retrained best: test accuracy"), True)]
        best = best_record(records)
        highlight = records.index(best) if best is not None and \
            len(self.ties(best, records)) == 1 else None
        note = self._(
            "“Best”: the objective of the best complete trial, on the data the search selects "
            "on. “Retrained best”: that configuration trained again for the full epochs and "
            "evaluated on the test split. Time: wall-clock time of the trials. The search with "
            "the best objective, if only one, is in bold.")
        return self.ctx.table(f"tuning-{self.view.key}-comparison",
                            self._("Hyperparameter searches of “%(study)s”: cost and result.",
                                   study=self.ctx.study_title(self.view)),
                            columns, rows, highlight=highlight, note=note)

    def ties(self, best: TuningRecord, records: Sequence[TuningRecord]) -> list[TuningRecord]:
        """The searches whose best objective equals `best`'s as the report shows it (a
        difference in the fifth decimal is no finding)."""
        return [r for r in records
                if shown_value(r, r.summary.get("best_value")) == shown_value(best,
                                                                   best.summary["best_value"])]

    def verdict(self, group: list[TuningRecord], brief: bool = False) -> list[str]:
        """Which search of `group` found the best objective, at what cost; and the test
        accuracy of the retrained best configurations. Only what the numbers show.

        `brief` (the conclusions): the headline, the cost and a disagreement with the test
        split, without every search's figures.
        """
        best = best_record(group)
        if best is None:
            return [self._("No search completed a trial, so the searches cannot be compared.")]
        objective = self.objective_name(best)
        value = best.summary["best_value"]
        ties = self.ties(best, group)
        others = [r for r in group if r not in ties
                  and finite(r.summary.get("best_value")) is not None]

        def cost(record: TuningRecord) -> dict[str, str]:
            return {"search": self.search_name(record),
                    "trials": self.trials(record.summary["trials"]),
                    "epochs": self.epochs(record.summary["epochs"]),
                    "time": self.secs(record.summary["wall_seconds"])}

        out = []
        if len(ties) > 1:
            out.append(self._(
                "%(searches)s found the same best %(objective)s, %(value)s.",
                searches=self.join([self.search_name(r) for r in ties]), objective=objective,
                value=self.objective_text(best, value)))
            if not brief:
                out += [self._("%(search)s reached it with %(trials)s, %(epochs)s of "
                               "training and %(time)s.", **cost(r)) for r in ties]
        else:
            out.append(self._(
                "%(search)s found the best %(objective)s, %(value)s (trial %(trial)s), with "
                "%(trials)s, %(epochs)s of training and %(time)s.",
                objective=objective, value=self.objective_text(best, value),
                trial=self.n(best.best["number"]) if best.best else "?", **cost(best)))
        if not brief:
            out += [self._("%(search)s reached %(value)s with %(trials)s, %(epochs)s and "
                           "%(time)s.",
                           value=self.objective_text(r, r.summary["best_value"]), **cost(r))
                    for r in others]
        # the study's answer paragraph already holds its retrained runs to the single-seed
        # threshold: in the body the searches' own margin would say the same a second time
        answered = not brief and self.view.margin is not None \
            and self.view.margin.runner_up is not None
        if len(ties) == 1 and others and not answered:
            out += self.margin_caveat(best, best_record(others), brief)
        out += self.cost_sentence(ties, group)
        out += self.test_sentence(best, group, brief)
        return [upper_first(sentence) for sentence in out]  # a sentence may open with a name

    def margin_caveat(self, best: TuningRecord, runner_up: TuningRecord | None,
                      brief: bool) -> list[str]:
        """The single-seed threshold for the lead of the best search (analysis.significance,
        the rule the whole report uses); stated in full in the results, only when the lead
        is below it in the discussion."""
        if runner_up is None:
            return []
        value, other = best.summary["best_value"], runner_up.summary["best_value"]
        check = single_seed_margin(value, other, best.objective)
        if brief and not check.caveat:
            return []
        values = {"margin": self.objective_text(best, check.margin),
                  "threshold": self.objective_text(best, check.threshold),
                  "share": i18n.format_percent(SINGLE_SEED_LOSS_REL_MARGIN, self.lang, 0),
                  "search": self.search_name(best), "other": self.search_name(runner_up)}
        loss = "loss" in best.objective
        if check.caveat:
            message = N_(
                "The lead of %(search)s over %(other)s, %(margin)s, is below %(threshold)s "
                "(%(share)s of the smaller loss), the threshold under which this report does "
                "not trust a ranking from a single seed: another seed or another validation "
                "split could change which search comes first.") if loss else N_(
                "The lead of %(search)s over %(other)s, %(margin)s, is below %(threshold)s, "
                "the threshold under which this report does not trust a ranking from a single "
                "seed: another seed or another validation split could change which search "
                "comes first.")
        else:
            message = N_(
                "The lead of %(search)s over %(other)s, %(margin)s, exceeds %(threshold)s "
                "(%(share)s of the smaller loss), this report's threshold for a single seed, "
                "though each search ran once.") if loss else N_(
                "The lead of %(search)s over %(other)s, %(margin)s, exceeds %(threshold)s, "
                "this report's threshold for a single seed, though each search ran once.")
        return [self._(message, **values)]

    def cost_sentence(self, ties: list[TuningRecord], group: list[TuningRecord]) -> list[str]:
        """Whether the best objective also came cheapest, in epochs and in time."""
        epochs = {id(r): r.summary["epochs"] for r in group}
        cheapest = min(group, key=lambda r: epochs[id(r)])
        fastest = min(group, key=lambda r: r.summary["wall_seconds"])
        winner = min(ties, key=lambda r: epochs[id(r)])  # first of equals
        values = {"search": self.search_name(winner),
                  "time": self.secs(winner.summary["wall_seconds"]),
                  "fastest": self.search_name(fastest),
                  "fastest_time": self.secs(fastest.summary["wall_seconds"])}
        if epochs[id(winner)] == epochs[id(cheapest)]:
            if fastest is winner or fastest.summary["wall_seconds"] == \
                    winner.summary["wall_seconds"]:
                message = N_("Of these, %(search)s spent the fewest epochs and the least time.") \
                    if len(ties) > 1 else \
                    N_("%(search)s also spent the fewest epochs and the least time.")
                return [self._(message, search=values["search"])]
            message = N_("Of these, %(search)s spent the fewest epochs, though not the least "
                         "time (%(time)s against %(fastest_time)s of %(fastest)s).") \
                if len(ties) > 1 else \
                N_("%(search)s also spent the fewest epochs, though not the least time "
                   "(%(time)s against %(fastest_time)s of %(fastest)s).")
            return [self._(message, **values)]
        share = epochs[id(cheapest)] / epochs[id(winner)] if epochs[id(winner)] else None
        return [self._(
            "%(cheapest)s spent the fewest epochs: %(epochs)s, %(share)s of the %(best_epochs)s "
            "of %(search)s.", cheapest=self.search_name(cheapest),
            epochs=self.n(epochs[id(cheapest)]), share=i18n.format_percent(share, self.lang, 0),
            best_epochs=self.n(epochs[id(winner)]), search=values["search"])]

    def test_sentence(self, best: TuningRecord, group: list[TuningRecord],
                      brief: bool = False) -> list[str]:
        tested = [(r, v) for r, row in zip(group, comparison(group), strict=True)
                  if (v := finite(row["test_accuracy"])) is not None]
        if not tested:
            return []
        scores = self.join([self._("%(value)s (%(search)s)",
                                   value=i18n.format_percent(v, self.lang),
                                   search=self.search_name(r)) for r, v in tested])
        out = [] if brief else [self._(
            "Retrained for the full epochs, the best configurations reach a test accuracy of "
            "%(scores)s.", scores=scores)]
        top = max(round(v, 3) for _, v in tested)  # as shown: a percentage, one decimal
        leaders = [r for r, v in tested if round(v, 3) == top]
        ties = self.ties(best, group)
        if len(tested) > 1 and len(ties) == 1 and best not in leaders:
            out.append(self._(
                "The search with the best %(objective)s is not the one whose retrained "
                "configuration has the best test accuracy (%(leader)s, %(value)s): the order "
                "on the data the search selects on does not carry over to the test split here.",
                objective=self.objective_name(best), leader=self.search_name(leaders[0]),
                value=i18n.format_percent(max(v for _, v in tested), self.lang)))
        elif len(tested) > 1 and len(ties) > 1 and not brief:
            if len(leaders) == 1:
                out.append(self._("On the test split, the configuration of %(search)s is ahead.",
                                  search=self.search_name(leaders[0])))
            else:
                out.append(self._("On the test split they tie as well."))
        return out

