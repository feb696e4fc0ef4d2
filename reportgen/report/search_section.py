"""One search of a study: what it ran, its space and best configuration, its trials, the
objective trial after trial, parameter importance (read from the record), parallel coordinates
and, for Hyperband, the bracket plan next to what ran."""

from __future__ import annotations

from dataclasses import replace

from reportgen import figures
from reportgen.analysis.findings import StudyFindings
from reportgen.analysis.searches import (
    MIN_COMPLETE,
    best_so_far,
    complete_trials,
    ranked_trials,
)
from reportgen.figures.style import HALF_WIDTH_IN, MAX_WIDTH_IN
from reportgen.report import i18n
from reportgen.report.context import MAX_COLUMNS, Context
from reportgen.report.i18n import N_
from reportgen.report.model import (
    TABLES_DIR,
    Block,
    Cell,
    Column,
    Figure,
    Paragraph,
    Section,
    Table,
)
from reportgen.report.search_words import (
    STATES,
    TOP_TRIALS,
    TRIALS_SHOWN_MAX,
    SearchWords,
    lower_first,
    upper_first,
)
from reportgen.store.records import finite
from reportgen.store.tuning_records import TuningRecord
from reportgen.tuning.distributions import distributions


def search_section(ctx: Context, found: StudyFindings, record: TuningRecord) -> Section:
    return _Search(ctx, found).search_section(record)


class _Search(SearchWords):
    # -- one search
    def search_section(self, record: TuningRecord) -> Section:
        blocks: list[Block] = [Paragraph(self.intro(record))]
        space_table = self.space_table(record)
        blocks.append(space_table)
        complete = complete_trials(record)
        # the objective trial after trial and the importance of each parameter, side by side
        # when the search has both
        paired = bool(record.trials) and len(complete) >= MIN_COMPLETE \
            and bool((record.importance or {}).get("values"))
        width = HALF_WIDTH_IN if paired else MAX_WIDTH_IN
        if record.trials:
            blocks.append(self.trials_table(record))
            history = self.history_figure(record, width)
            if history is not None:
                blocks.append(replace(history, half=paired))
        if len(complete) < MIN_COMPLETE:
            blocks.append(Paragraph(self._(
                "Parameter importance and parallel coordinates need at least two complete "
                "trials; this search has %(n)s.", n=self.n(len(complete)))))
        else:
            blocks += [replace(b, half=paired) if isinstance(b, Figure) else b
                       for b in self.importance_blocks(record, width)]
            blocks.append(self.parallel_figure(record))
        if record.hyperband:
            blocks += self.hyperband_blocks(record)
        guide = self.guide(record, blocks)
        if guide:
            blocks[0] = Paragraph(f"{self.intro(record)} {guide}")
        title = self._("Search: %(search)s", search=upper_first(self.search_name(record)))
        return Section(self.key(record), "", title, tuple(blocks))

    def guide(self, record: TuningRecord, blocks: list[Block]) -> str:
        """Point to the search's tables and figures by number."""
        numbers = {b.id: str(b.number) for b in blocks if isinstance(b, Table | Figure)}
        key = self.key(record)
        parts = []
        for block_id, message in (
            (f"{key}-space", N_("Table %(n)s gives the search space.")),
            (f"{key}-trials", N_("Table %(n)s lists the trials.")),
            (f"fig-{key}-history", N_("Figure %(n)s shows the objective trial after trial.")),
            (f"fig-{key}-importance", N_("Figure %(n)s shows how much each hyperparameter "
                                          "mattered.")),
            (f"fig-{key}-parallel", N_("Figure %(n)s shows every trial in parallel "
                                        "coordinates.")),
            (f"{key}-brackets", N_("Table %(n)s compares the Hyperband bracket plan with "
                                   "what ran.")),
        ):
            if block_id in numbers:
                parts.append(self._(message, n=numbers[block_id]))
        return " ".join(parts)

    def intro(self, record: TuningRecord) -> str:
        summary = record.summary
        parts = [self.ctx.ngettext(
            "%(search)s ran %(n)s trial of up to %(max)s epochs; objective: %(objective)s "
            "(%(direction)s).",
            "%(search)s ran %(n)s trials of up to %(max)s epochs each; objective: "
            "%(objective)s (%(direction)s).", summary["trials"],
        ) % {"search": self.search_name(record), "n": self.n(summary["trials"]),
             "max": self.n(record.max_epochs), "objective": self.objective_name(record),
             "direction": self._("lower is better") if record.minimise
             else self._("higher is better")}]
        if record.algorithm == "hyperband":
            parts.append(self._(
                "The Hyperband pruner judges trials at rungs of %(min)s × %(factor)sᵏ epochs "
                "and stops those not among the best 1/%(factor)s of their bracket; "
                "configurations are drawn by %(sampler)s.", min=self.n(record.min_epochs),
                factor=self.n(record.factor), sampler=self.sampler_name(record)))
        elif record.algorithm in ("bayesian", "gp"):
            parts.append(self._(
                "The first %(n)s trials are drawn at random; from then on %(sampler)s proposes "
                "each trial from the results so far.", n=self.n(record.n_startup_trials),
                sampler=self.sampler_name(record)))
        parts.append(self._(
            "Trials by state: %(complete)s complete, %(pruned)s pruned, %(failed)s failed.",
            complete=self.n(summary["complete"]), pruned=self.n(summary["pruned"]),
            failed=self.n(summary["failed"])))
        if summary.get("pending"):
            parts.append(self._(
                "%(n)s trials of the budget of %(max)s did not run: the time limit was reached.",
                n=self.n(summary["pending"]), max=self.n(record.max_trials)))
        if record.best is None:
            parts.append(self._("No trial completed, so there is no best configuration."))
            return " ".join(upper_first(part) for part in parts)
        parts.append(self._(
            "The best is trial %(trial)s, with %(objective)s %(value)s.",
            trial=self.n(record.best["number"]), objective=self.objective_name(record),
            value=self.objective_text(record, record.best["value"])))
        retrained = record.retrained or {}
        test = finite(retrained.get("metrics", {}).get("test", {}).get("accuracy"))
        if test is not None:
            parts.append(self._(
                "Retrained for %(epochs)s epochs as the run “%(run)s”, its configuration "
                "reaches a test accuracy of %(test)s.",
                epochs=self.n(retrained.get("epochs", record.max_epochs)),
                run=retrained.get("label", ""), test=i18n.format_percent(test, self.lang)))
        return " ".join(upper_first(part) for part in parts)

    def space_table(self, record: TuningRecord) -> Table:
        best = (record.best or {}).get("set", {})
        rows = []
        for path, entry in record.space.items():
            rows.append([Cell(path, display=self.ctx.path_label(path)),
                         Cell(entry, display=self.range_text(entry, path)),
                         self.value_cell(best.get(path), path) if record.best else
                         Cell(None)])
        columns = [Column("parameter", self._("Parameter")),
                   Column("range", self._("Range searched")),
                   Column("best", self._("Best configuration"))]
        if record.best:
            caption = self._(
                "Search space of %(search)s and the best configuration it found (trial "
                "%(trial)s, %(objective)s %(value)s).", search=self.search_name(record),
                trial=self.n(record.best["number"]), objective=self.objective_name(record),
                value=self.objective_text(record, record.best["value"]))
        else:
            caption = self._("Search space of %(search)s.", search=self.search_name(record))
        return self.ctx.table(f"{self.key(record)}-space", caption, columns, rows)

    def trials_table(self, record: TuningRecord) -> Table:
        ranked = ranked_trials(record)
        paths = list(record.space)
        hyperband = record.algorithm == "hyperband"
        fixed = 1 + int(hyperband) + 4
        joined = fixed + len(paths) > MAX_COLUMNS  # too many parameters: one column for all
        rows = []
        for trial in ranked:
            cells = [Cell(trial.number, "int")]
            cells += [Cell(trial.bracket, "int")] if hyperband else []
            if joined:
                cells.append(Cell(trial.set, display="; ".join(
                    f"{self.ctx.path_label(p)} = {self.value_words(p, trial.set.get(p))}"
                    for p in paths)))
            else:
                cells += [self.value_cell(trial.set.get(p), p) if p in trial.set else Cell(None)
                          for p in paths]
            cells += [Cell(finite(trial.value), "num"), Cell(trial.epochs, "int"),
                      Cell(trial.state, display=self._(STATES.get(trial.state, trial.state))),
                      Cell(finite(trial.seconds), "secs")]
            rows.append(cells)
        columns = [Column("number", self._("Trial"), True)]
        columns += [Column("bracket", self._("Bracket"), True)] if hyperband else []
        if joined:
            columns.append(Column("set", self._("Parameters")))
        else:
            columns += [Column(p, self.ctx.path_label(p),
                               all(row[len(columns) + i].numeric for row in rows))
                        for i, p in enumerate(paths)]
        columns += [Column("value", self.objective_header(record), True),
                    Column("epochs", self._("Epochs"), True),
                    Column("state", self._("State")),
                    Column("seconds", self._("Time"), True)]
        table_id = f"{self.key(record)}-trials"
        notes = []
        if record.best is not None:
            notes.append(self._("The best trial is in bold."))
        if any(t.state == "pruned" for t in record.trials):
            notes.append(self._("A pruned trial shows the objective at the epoch it was "
                                 "stopped."))
        shown = None
        if len(rows) > TRIALS_SHOWN_MAX:
            shown = TOP_TRIALS
            notes.append(self._("The %(shown)s best of the %(n)s trials are shown; the CSV "
                                "file %(csv)s lists them all.", shown=self.n(shown),
                                n=self.n(len(rows)),
                                csv=f"{TABLES_DIR}/{table_id}.csv"))
        caption = self._("Trials of %(search)s, best first: complete trials by their "
                         "objective, then pruned trials by the epochs they reached.",
                         search=self.search_name(record))
        best_first = record.best is not None and ranked[0].number == record.best["number"]
        return self.ctx.table(table_id, caption, columns, rows,
                            highlight=0 if best_first else None,
                            note=" ".join(notes) or None, shown_rows=shown, compact=True)

    def history_figure(self, record: TuningRecord, width_in: float = MAX_WIDTH_IN,
                       ) -> Figure | None:
        complete = [(t.number, float(t.value)) for t in complete_trials(record)]  # type: ignore[arg-type]
        pruned = [(t.number, v) for t in record.trials
                  if t.state == "pruned" and (v := finite(t.value)) is not None]
        if not complete and not pruned:
            return None
        texts = figures.HistoryTexts(
            xlabel=self._("Trial"), ylabel=self.objective_header(record),
            complete=self._("complete trial"),
            pruned=self._("pruned trial (value when stopped)"),
            best=self._("best complete trial so far"),
            decimal=i18n.decimal_separator(self.lang))
        caption = self._("%(objective)s of every trial of %(search)s, in the order the trials "
                         "ran, and the best complete trial so far.",
                         objective=self.objective_header(record),
                         search=self.search_name(record))
        line = best_so_far(record)
        return self.ctx.figure(f"fig-{self.key(record)}-history", caption,
                             lambda prefix: figures.optimisation_history(
                                 complete, pruned, line, texts, prefix=prefix,
                                 width_in=width_in))

    def importance_blocks(self, record: TuningRecord, width_in: float = MAX_WIDTH_IN,
                          ) -> list[Block]:
        entry = record.importance or {}
        importances: dict[str, float] = entry.get("values") or {}
        if not importances:
            if entry.get("unavailable") == "no_variation":
                return [Paragraph(self._(
                    "Parameter importance cannot be estimated for %(search)s: the objective "
                    "is the same in every complete trial.", search=self.search_name(record)))]
            # the estimator's own (English) message stays in the tuning record and the log
            return [Paragraph(self._(
                "Parameter importance could not be computed for %(search)s: the fANOVA "
                "estimator failed (its message is in the search's tuning record).",
                search=self.search_name(record)))]
        complete = complete_trials(record)
        labels = [self.param_label(record, name) for name in importances]
        values = list(importances.values())
        partial = sorted({name for t in complete for name in t.params} - set(importances))
        caption = self._(
            "Importance of each parameter for the %(objective)s of %(search)s (fANOVA on the "
            "%(n)s complete trials; the shares add up to 1).",
            objective=self.objective_name(record), search=self.search_name(record),
            n=self.n(len(complete)))
        if partial:
            caption += " " + self._(
                "Left out, because not every complete trial has them: %(params)s.",
                params=", ".join(self.param_label(record, p) for p in partial))
        texts = figures.ImportanceTexts(xlabel=self._("Importance (fANOVA)"),
                                        decimal=i18n.decimal_separator(self.lang))
        figure = self.ctx.figure(f"fig-{self.key(record)}-importance", caption,
                               lambda prefix: figures.importance_bars(
                                   labels, values, texts, prefix=prefix, width_in=width_in))
        top = next(iter(importances))
        sentence = self._(
            "For %(search)s, %(param)s explains the largest share of the variation of the "
            "%(objective)s across complete trials (%(share)s); with %(n)s trials this is an "
            "estimate, not a ranking to rely on.", search=self.search_name(record),
            param=lower_first(self.param_label(record, top)),
            objective=self.objective_name(record),
            share=i18n.format_percent(importances[top], self.lang, 0),
            n=self.n(len(complete)))
        return [figure, Paragraph(sentence)]

    def parallel_figure(self, record: TuningRecord) -> Block:
        complete = complete_trials(record)
        dists = distributions(record)
        names = [n for n in dists if any(n in t.params for t in complete)]
        axes = []
        for name in names:
            dist = dists[name]
            label = self.param_label(record, name)
            if dist.kind == "categorical":
                axes.append(figures.ParallelAxis(label, categories=tuple(
                    self.value_words(name, c) for c in dist.choices)))  # "ReLU", not "relu"
            else:
                axes.append(figures.ParallelAxis(label, dist.low, dist.high, dist.log,
                                                 integer=dist.kind == "int"))
        values = [float(t.value) for t in complete]  # type: ignore[arg-type]
        axes.append(figures.ParallelAxis(self.objective_header(record), min(values),
                                         max(values)))
        rows: list[list[float | None]] = []
        for trial in complete:
            row: list[float | None] = []
            for name in names:
                value = trial.params.get(name)
                choices = dists[name].choices
                if value is None:
                    row.append(None)
                elif choices:
                    row.append(float(choices.index(value)) if value in choices else None)
                else:
                    row.append(float(value))
            rows.append([*row, float(trial.value)])  # type: ignore[arg-type]
        best = record.best["number"] if record.best else None
        highlight = next((i for i, t in enumerate(complete) if t.number == best), None)
        caption = self._(
            "Parameters of the %(n)s complete trials of %(search)s, one line per trial coloured "
            "by its %(objective)s; the best trial is the thick line.", n=self.n(len(complete)),
            search=self.search_name(record), objective=self.objective_name(record))
        if any(v is None for row in rows for v in row):
            caption += " " + self._("A line breaks where its trial has no such parameter "
                                    "(fewer layers).")
        texts = figures.ParallelTexts(colour=self.objective_header(record),
                                      decimal=i18n.decimal_separator(self.lang))
        return self.ctx.figure(f"fig-{self.key(record)}-parallel", caption,
                             lambda prefix: figures.parallel_coordinates(
                                 axes, rows, values, texts, highlight=highlight,
                                 minimise=record.minimise, prefix=prefix))

    def hyperband_blocks(self, record: TuningRecord) -> list[Block]:
        plan = record.hyperband or {}
        rows = []
        extra = False
        for bracket in plan.get("brackets", []):
            for k, rung in enumerate(bracket["rungs"]):
                extra = extra or rung["configs"] is None
                rows.append([
                    Cell(bracket["bracket"], "int",
                         display=None if k == 0 else ""),
                    Cell(k, "int"), Cell(rung["epochs"], "int"),
                    Cell(rung["configs"], "int"), Cell(rung["observed"], "int")])
        trials = sum(b["trials"] for b in plan.get("brackets", []))
        spent = sum(b["epochs"] for b in plan.get("brackets", []))
        foot = [[Cell("total", display=self._("Total")), Cell(None, display=""),
                 Cell(None, display=""), Cell(plan.get("total_configs"), "int"),
                 Cell(trials, "int")]]
        columns = [Column("bracket", self._("Bracket"), True),
                   Column("rung", self._("Rung"), True),
                   Column("epochs", self._("Epochs per configuration"), True),
                   Column("planned", self._("Configurations planned"), True),
                   Column("observed", self._("Configurations observed"), True)]
        notes = [self._("Observed: trials of the bracket that trained at least the rung's "
                        "epochs; in the total row, the trials of the search.")]
        if extra:
            notes.append(self._(
                "“—”: a rung at which Optuna also judges trials because %(max)s is not "
                "%(min)s × %(factor)sᵏ; the plan does not set how many configurations reach "
                "it.", max=self.n(record.max_epochs), min=self.n(record.min_epochs),
                factor=self.n(record.factor)))
        table = self.ctx.table(
            f"{self.key(record)}-brackets",
            self._("Bracket plan of %(search)s (maximum %(max)s epochs, minimum "
                   "%(min)s, factor %(factor)s) next to what ran.",
                   search=self.search_name(record), max=self.n(record.max_epochs),
                   min=self.n(record.min_epochs), factor=self.n(record.factor)),
            columns, rows, foot=tuple(tuple(r) for r in foot), note=" ".join(notes))
        full = trials * record.max_epochs
        sentence = self._(
            "Hyperband planned %(configs)s and %(epochs)s; it ran %(trials)s and spent "
            "%(spent)s (%(share)s of the %(full)s of training every trial to %(max)s).",
            configs=self.configurations(plan.get("total_configs")),
            epochs=self.epochs(plan.get("budget_epochs")), trials=self.trials(trials),
            spent=self.epochs(spent),
            share=i18n.format_percent(spent / full if full else None, self.lang, 0),
            full=self.epochs(full), max=self.epochs(record.max_epochs))
        blocks: list[Block] = [table, Paragraph(sentence)]
        if any(b["trials"] != b["configs"] for b in plan.get("brackets", [])):
            blocks.append(Paragraph(self._(
                "Optuna runs the brackets asynchronously and puts each trial in a bracket by a "
                "hash of the study name and the trial number, so the trials of a bracket can "
                "differ from its planned configurations (table %(table)s).",
                table=self.n(table.number))))
        return blocks


